//! A minimal XLSX (Office Open XML spreadsheet) writer with no dependencies:
//! one worksheet per table, text as inline strings, numbers as numbers, the
//! first row of every sheet in bold. The package is a ZIP with its entries
//! stored (no compression) and their CRC-32 computed here. Meant for exports
//! of a few thousand rows; no ZIP64, so the whole file stays under 4 GiB.

/// One cell of a sheet.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// Text (an empty text leaves the cell empty).
    Text(String),
    Int(i64),
    /// A number; NaN and infinities are written as empty cells.
    Num(f64),
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_string())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}

impl From<i64> for Cell {
    fn from(n: i64) -> Self {
        Cell::Int(n)
    }
}

impl From<f64> for Cell {
    fn from(n: f64) -> Self {
        Cell::Num(n)
    }
}

/// The MIME type of the files `workbook` writes.
pub const CONTENT_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// An `.xlsx` file with one sheet per `(name, rows)`, in order. Sheet names are
/// made valid for Excel (no `[]:*?/\`, at most 31 characters, unique, not empty).
/// The first row of each sheet is shown in bold (the header).
pub fn workbook(sheets: &[(&str, Vec<Vec<Cell>>)]) -> Vec<u8> {
    let names = sheet_names(sheets.iter().map(|(n, _)| *n));
    let n = sheets.len().max(1);
    let mut files: Vec<(String, Vec<u8>)> = Vec::with_capacity(n + 5);
    files.push(("[Content_Types].xml".into(), content_types(n).into_bytes()));
    files.push(("_rels/.rels".into(), ROOT_RELS.as_bytes().to_vec()));
    files.push(("xl/workbook.xml".into(), workbook_xml(&names, n).into_bytes()));
    files.push(("xl/_rels/workbook.xml.rels".into(), workbook_rels(n).into_bytes()));
    files.push(("xl/styles.xml".into(), STYLES.as_bytes().to_vec()));
    if sheets.is_empty() {
        // a workbook needs at least one sheet
        files.push(("xl/worksheets/sheet1.xml".into(), sheet_xml(&[]).into_bytes()));
    }
    for (i, (_, rows)) in sheets.iter().enumerate() {
        files.push((format!("xl/worksheets/sheet{}.xml", i + 1), sheet_xml(rows).into_bytes()));
    }
    zip_stored(&files)
}

const XML_HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#;
const NS_MAIN: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const NS_REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

const ROOT_RELS: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
    r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#,
    r#"<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>"#,
    r#"</Relationships>"#
);

/// Style 0: normal; style 1: bold (headers).
const STYLES: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
    r#"<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#,
    r#"<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>"#,
    r#"<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>"#,
    r#"<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>"#,
    r#"<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>"#,
    r#"<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>"#,
    r#"<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>"#,
    r#"<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>"#,
    r#"<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>"#,
    r#"</styleSheet>"#
);

fn content_types(sheets: usize) -> String {
    let mut s = format!(
        "{XML_HEAD}<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
         <Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
         <Default Extension=\"xml\" ContentType=\"application/xml\"/>\
         <Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>\
         <Override PartName=\"/xl/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>"
    );
    for i in 1..=sheets {
        s.push_str(&format!(
            "<Override PartName=\"/xl/worksheets/sheet{i}.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
        ));
    }
    s.push_str("</Types>");
    s
}

fn workbook_xml(names: &[String], sheets: usize) -> String {
    let mut s = format!("{XML_HEAD}<workbook xmlns=\"{NS_MAIN}\" xmlns:r=\"{NS_REL}\"><sheets>");
    for i in 1..=sheets {
        let name = names.get(i - 1).cloned().unwrap_or_else(|| format!("Sheet{i}"));
        s.push_str(&format!("<sheet name=\"{}\" sheetId=\"{i}\" r:id=\"rId{i}\"/>", escape(&name)));
    }
    s.push_str("</sheets></workbook>");
    s
}

fn workbook_rels(sheets: usize) -> String {
    let mut s = format!("{XML_HEAD}<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">");
    for i in 1..=sheets {
        s.push_str(&format!("<Relationship Id=\"rId{i}\" Type=\"{NS_REL}/worksheet\" Target=\"worksheets/sheet{i}.xml\"/>"));
    }
    s.push_str(&format!("<Relationship Id=\"rId{}\" Type=\"{NS_REL}/styles\" Target=\"styles.xml\"/>", sheets + 1));
    s.push_str("</Relationships>");
    s
}

/// Valid, unique Excel sheet names.
fn sheet_names<'a>(names: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (i, raw) in names.enumerate() {
        let cleaned: String = raw
            .chars()
            .map(|c| if matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\') || c.is_control() { '_' } else { c })
            .collect();
        let cleaned = cleaned.trim().trim_matches('\'').to_string();
        let base: String = if cleaned.is_empty() { format!("Sheet{}", i + 1) } else { cleaned.chars().take(31).collect() };
        let mut name = base.clone();
        let mut k = 2;
        while out.iter().any(|o| o.to_lowercase() == name.to_lowercase()) {
            let suffix = format!(" ({k})");
            name = base.chars().take(31 - suffix.chars().count()).collect::<String>() + &suffix;
            k += 1;
        }
        out.push(name);
    }
    out
}

/// `0` → `A`, `25` → `Z`, `26` → `AA`.
fn column(mut i: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// Display width of a text in Excel's character units (CJK counts double).
fn text_width(s: &str) -> usize {
    s.chars().map(|c| if (c as u32) < 0x1100 { 1 } else { 2 }).sum()
}

fn sheet_xml(rows: &[Vec<Cell>]) -> String {
    let mut widths: Vec<usize> = Vec::new();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            let w = match cell {
                Cell::Text(t) => text_width(t),
                Cell::Int(n) => n.to_string().len(),
                Cell::Num(x) => number(*x).map(|s| s.len()).unwrap_or(0),
            };
            if widths.len() <= i {
                widths.resize(i + 1, 0);
            }
            widths[i] = widths[i].max(w);
        }
    }
    let mut s = format!("{XML_HEAD}<worksheet xmlns=\"{NS_MAIN}\" xmlns:r=\"{NS_REL}\">");
    if !rows.is_empty() {
        s.push_str("<sheetViews><sheetView workbookViewId=\"0\"><pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/></sheetView></sheetViews>");
    }
    if !widths.is_empty() {
        s.push_str("<cols>");
        for (i, w) in widths.iter().enumerate() {
            let width = (*w).clamp(6, 60) + 2;
            s.push_str(&format!("<col min=\"{n}\" max=\"{n}\" width=\"{width}\" customWidth=\"1\"/>", n = i + 1));
        }
        s.push_str("</cols>");
    }
    s.push_str("<sheetData>");
    for (r, row) in rows.iter().enumerate() {
        let r = r + 1;
        s.push_str(&format!("<row r=\"{r}\">"));
        let style = if r == 1 { " s=\"1\"" } else { "" };
        for (c, cell) in row.iter().enumerate() {
            let at = format!("{}{r}", column(c));
            match cell {
                Cell::Text(t) if t.is_empty() => {}
                Cell::Text(t) => s.push_str(&format!(
                    "<c r=\"{at}\"{style} t=\"inlineStr\"><is><t xml:space=\"preserve\">{}</t></is></c>",
                    escape(t)
                )),
                Cell::Int(n) => s.push_str(&format!("<c r=\"{at}\"{style}><v>{n}</v></c>")),
                Cell::Num(x) => {
                    if let Some(v) = number(*x) {
                        s.push_str(&format!("<c r=\"{at}\"{style}><v>{v}</v></c>"));
                    }
                }
            }
        }
        s.push_str("</row>");
    }
    s.push_str("</sheetData></worksheet>");
    s
}

/// A finite number as XML text (`1.5`, `-3`, `0.1`); `None` for NaN/infinity.
fn number(x: f64) -> Option<String> {
    x.is_finite().then(|| if x == 0.0 { "0".to_string() } else { format!("{x}") })
}

/// XML text/attribute escaping; drops characters XML 1.0 cannot carry.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
};

/// CRC-32 (IEEE 802.3, as ZIP uses it).
pub fn crc32(data: &[u8]) -> u32 {
    let mut c = 0xFFFF_FFFFu32;
    for &b in data {
        c = CRC_TABLE[((c ^ b as u32) & 0xFF) as usize] ^ (c >> 8);
    }
    c ^ 0xFFFF_FFFF
}

/// DOS date of 1980-01-01 00:00 (ZIP's epoch): a fixed timestamp keeps the
/// output a pure function of the input.
const DOS_TIME: u16 = 0;
const DOS_DATE: u16 = (1 << 5) | 1;

/// A ZIP archive of `(path, content)` entries, stored without compression.
pub fn zip_stored(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    fn u16le(out: &mut Vec<u8>, v: u16) {
        out.extend_from_slice(&v.to_le_bytes());
    }
    fn u32le(out: &mut Vec<u8>, v: u32) {
        out.extend_from_slice(&v.to_le_bytes());
    }
    let total: usize = files.iter().map(|(n, d)| 30 + 46 + 2 * n.len() + d.len()).sum();
    let mut out = Vec::with_capacity(total + 22);
    let mut central = Vec::new();
    for (name, data) in files {
        let crc = crc32(data);
        let offset = out.len() as u32;
        let size = data.len() as u32;
        // local file header
        u32le(&mut out, 0x0403_4b50);
        u16le(&mut out, 20); // version needed: 2.0
        u16le(&mut out, 0x0800); // flags: names are UTF-8
        u16le(&mut out, 0); // method: stored
        u16le(&mut out, DOS_TIME);
        u16le(&mut out, DOS_DATE);
        u32le(&mut out, crc);
        u32le(&mut out, size);
        u32le(&mut out, size);
        u16le(&mut out, name.len() as u16);
        u16le(&mut out, 0); // extra length
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);
        // central directory entry
        u32le(&mut central, 0x0201_4b50);
        u16le(&mut central, 20); // version made by
        u16le(&mut central, 20); // version needed
        u16le(&mut central, 0x0800);
        u16le(&mut central, 0);
        u16le(&mut central, DOS_TIME);
        u16le(&mut central, DOS_DATE);
        u32le(&mut central, crc);
        u32le(&mut central, size);
        u32le(&mut central, size);
        u16le(&mut central, name.len() as u16);
        u16le(&mut central, 0); // extra
        u16le(&mut central, 0); // comment
        u16le(&mut central, 0); // disk number
        u16le(&mut central, 0); // internal attributes
        u32le(&mut central, 0); // external attributes
        u32le(&mut central, offset);
        central.extend_from_slice(name.as_bytes());
    }
    let cd_offset = out.len() as u32;
    let cd_size = central.len() as u32;
    out.extend_from_slice(&central);
    // end of central directory
    u32le(&mut out, 0x0605_4b50);
    u16le(&mut out, 0);
    u16le(&mut out, 0);
    u16le(&mut out, files.len() as u16);
    u16le(&mut out, files.len() as u16);
    u32le(&mut out, cd_size);
    u32le(&mut out, cd_offset);
    u16le(&mut out, 0);
    out
}

/// Continues a CRC-32 over more data: `crc32_update(crc32_update(0, a), b) == crc32(a ++ b)`.
pub fn crc32_update(crc: u32, data: &[u8]) -> u32 {
    let mut c = !crc;
    for &b in data {
        c = CRC_TABLE[((c ^ b as u32) & 0xFF) as usize] ^ (c >> 8);
    }
    !c
}

/// The most data rows an `.xlsx` sheet holds under a header row (Excel: 1,048,576 rows).
pub const MAX_DATA_ROWS: u64 = 1_048_575;

struct ZipEntry {
    name: String,
    crc: u32,
    size: u32,
    offset: u32,
    /// Written with a data descriptor (general purpose flag bit 3).
    descriptor: bool,
}

/// A stored (uncompressed) ZIP written front to back, for streaming: every call
/// returns the bytes to send next. Whole entries go out with their CRC in the
/// local header; an open entry (`begin` … `data` … `end`) sets flag bit 3 and
/// sends its CRC and sizes in a data descriptor after its data. The central
/// directory goes out last (`finish`). No ZIP64: at most 4 GiB.
#[derive(Default)]
pub struct ZipStream {
    written: u64,
    entries: Vec<ZipEntry>,
    open: Option<ZipEntry>,
}

fn u16le(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}
fn u32le(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

impl ZipStream {
    pub fn new() -> Self {
        Self::default()
    }

    /// Bytes written so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    fn local_header(name: &str, flags: u16, crc: u32, size: u32) -> Vec<u8> {
        let mut out = Vec::with_capacity(30 + name.len());
        u32le(&mut out, 0x0403_4b50);
        u16le(&mut out, 20);
        u16le(&mut out, flags);
        u16le(&mut out, 0); // stored
        u16le(&mut out, DOS_TIME);
        u16le(&mut out, DOS_DATE);
        u32le(&mut out, crc);
        u32le(&mut out, size);
        u32le(&mut out, size);
        u16le(&mut out, name.len() as u16);
        u16le(&mut out, 0);
        out.extend_from_slice(name.as_bytes());
        out
    }

    fn emit(&mut self, out: Vec<u8>) -> Vec<u8> {
        self.written += out.len() as u64;
        out
    }

    /// A whole entry whose content is known now.
    pub fn entry(&mut self, name: &str, data: &[u8]) -> Vec<u8> {
        let crc = crc32(data);
        let size = data.len() as u32;
        self.entries.push(ZipEntry { name: name.to_string(), crc, size, offset: self.written as u32, descriptor: false });
        let mut out = Self::local_header(name, 0x0800, crc, size);
        out.extend_from_slice(data);
        self.emit(out)
    }

    /// Opens an entry whose content follows in `data` calls (closes an open one first).
    pub fn begin(&mut self, name: &str) -> Vec<u8> {
        let mut out = self.end();
        self.written += out.len() as u64;
        let entry = ZipEntry { name: name.to_string(), crc: 0, size: 0, offset: (self.written) as u32, descriptor: true };
        let header = Self::local_header(name, 0x0808, 0, 0);
        self.written += header.len() as u64;
        out.extend_from_slice(&header);
        self.open = Some(entry);
        // `end` and the header were counted above
        out
    }

    /// Content of the open entry (returned as is, counted into its CRC and size).
    pub fn data(&mut self, data: Vec<u8>) -> Vec<u8> {
        if let Some(e) = &mut self.open {
            e.crc = crc32_update(e.crc, &data);
            e.size = e.size.wrapping_add(data.len() as u32);
        }
        self.emit(data)
    }

    /// Closes the open entry with its data descriptor (nothing when none is open).
    fn end(&mut self) -> Vec<u8> {
        let Some(e) = self.open.take() else { return Vec::new() };
        let mut out = Vec::with_capacity(16);
        u32le(&mut out, 0x0807_4b50);
        u32le(&mut out, e.crc);
        u32le(&mut out, e.size);
        u32le(&mut out, e.size);
        self.entries.push(e);
        out
    }

    /// Closes the open entry and writes the central directory and its end record.
    pub fn finish(mut self) -> Vec<u8> {
        let mut out = self.end();
        let cd_offset = (self.written + out.len() as u64) as u32;
        let mut central = Vec::new();
        for e in &self.entries {
            u32le(&mut central, 0x0201_4b50);
            u16le(&mut central, 20);
            u16le(&mut central, 20);
            u16le(&mut central, if e.descriptor { 0x0808 } else { 0x0800 });
            u16le(&mut central, 0);
            u16le(&mut central, DOS_TIME);
            u16le(&mut central, DOS_DATE);
            u32le(&mut central, e.crc);
            u32le(&mut central, e.size);
            u32le(&mut central, e.size);
            u16le(&mut central, e.name.len() as u16);
            u16le(&mut central, 0);
            u16le(&mut central, 0);
            u16le(&mut central, 0);
            u16le(&mut central, 0);
            u32le(&mut central, 0);
            u32le(&mut central, e.offset);
            central.extend_from_slice(e.name.as_bytes());
        }
        out.extend_from_slice(&central);
        u32le(&mut out, 0x0605_4b50);
        u16le(&mut out, 0);
        u16le(&mut out, 0);
        u16le(&mut out, self.entries.len() as u16);
        u16le(&mut out, self.entries.len() as u16);
        u32le(&mut out, central.len() as u32);
        u32le(&mut out, cd_offset);
        u16le(&mut out, 0);
        self.emit(out)
    }
}

/// One row of a sheet as XML (`r`: 1-based row number; the first row bold).
fn row_xml(r: u64, row: &[Cell]) -> String {
    let mut s = format!("<row r=\"{r}\">");
    let style = if r == 1 { " s=\"1\"" } else { "" };
    for (c, cell) in row.iter().enumerate() {
        let at = format!("{}{r}", column(c));
        match cell {
            Cell::Text(t) if t.is_empty() => {}
            Cell::Text(t) => s.push_str(&format!("<c r=\"{at}\"{style} t=\"inlineStr\"><is><t xml:space=\"preserve\">{}</t></is></c>", escape(t))),
            Cell::Int(n) => s.push_str(&format!("<c r=\"{at}\"{style}><v>{n}</v></c>")),
            Cell::Num(x) => {
                if let Some(v) = number(*x) {
                    s.push_str(&format!("<c r=\"{at}\"{style}><v>{v}</v></c>"));
                }
            }
        }
    }
    s.push_str("</row>");
    s
}

/// A one-sheet `.xlsx` written as rows arrive: `start` gives the package parts
/// and the sheet's head with the header row, `row` one row's bytes, `finish`
/// the sheet's end and the ZIP's central directory. Column widths come from the
/// header (the data is not known in advance). Rows past [`MAX_DATA_ROWS`] are
/// refused (`row` returns `None`): check the count before streaming.
pub struct XlsxStream {
    zip: ZipStream,
    rows: u64,
}

impl XlsxStream {
    pub fn start(sheet: &str, header: &[&str], widths: &[usize]) -> (XlsxStream, Vec<u8>) {
        let mut zip = ZipStream::new();
        let names = sheet_names([sheet].into_iter());
        let mut out = zip.entry("[Content_Types].xml", content_types(1).as_bytes());
        out.extend(zip.entry("_rels/.rels", ROOT_RELS.as_bytes()));
        out.extend(zip.entry("xl/workbook.xml", workbook_xml(&names, 1).as_bytes()));
        out.extend(zip.entry("xl/_rels/workbook.xml.rels", workbook_rels(1).as_bytes()));
        out.extend(zip.entry("xl/styles.xml", STYLES.as_bytes()));
        out.extend(zip.begin("xl/worksheets/sheet1.xml"));
        let mut head = format!("{XML_HEAD}<worksheet xmlns=\"{NS_MAIN}\" xmlns:r=\"{NS_REL}\">");
        head.push_str("<sheetViews><sheetView workbookViewId=\"0\"><pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/></sheetView></sheetViews>");
        head.push_str("<cols>");
        for (i, h) in header.iter().enumerate() {
            let w = widths.get(i).copied().unwrap_or(0).max(text_width(h)).clamp(6, 60) + 2;
            head.push_str(&format!("<col min=\"{n}\" max=\"{n}\" width=\"{w}\" customWidth=\"1\"/>", n = i + 1));
        }
        head.push_str("</cols><sheetData>");
        let cells: Vec<Cell> = header.iter().map(|h| Cell::from(*h)).collect();
        head.push_str(&row_xml(1, &cells));
        out.extend(zip.data(head.into_bytes()));
        (XlsxStream { zip, rows: 0 }, out)
    }

    /// Data rows written so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    pub fn row(&mut self, cells: &[Cell]) -> Option<Vec<u8>> {
        if self.rows >= MAX_DATA_ROWS {
            return None;
        }
        self.rows += 1;
        Some(self.zip.data(row_xml(self.rows + 1, cells).into_bytes()))
    }

    pub fn finish(mut self) -> Vec<u8> {
        let mut out = self.zip.data(b"</sheetData></worksheet>".to_vec());
        out.extend(self.zip.finish());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u16at(b: &[u8], i: usize) -> usize {
        u16::from_le_bytes([b[i], b[i + 1]]) as usize
    }
    fn u32at(b: &[u8], i: usize) -> u32 {
        u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])
    }

    /// Reads a stored ZIP back the way a reader does: from the end-of-central-
    /// directory record through the central directory to each local header,
    /// checking that both agree and that every CRC matches the content.
    fn unzip(b: &[u8]) -> Vec<(String, String)> {
        let eocd = b.len() - 22;
        assert_eq!(u32at(b, eocd), 0x0605_4b50, "end of central directory at the very end");
        let entries = u16at(b, eocd + 10);
        assert_eq!(u16at(b, eocd + 8), entries);
        let cd_size = u32at(b, eocd + 12) as usize;
        let cd_offset = u32at(b, eocd + 16) as usize;
        assert_eq!(cd_offset + cd_size, eocd, "central directory right before the end record");
        let mut files = Vec::new();
        let mut p = cd_offset;
        let mut local_end = 0;
        for _ in 0..entries {
            assert_eq!(u32at(b, p), 0x0201_4b50);
            let method = u16at(b, p + 10);
            let crc = u32at(b, p + 16);
            let (csize, usize_) = (u32at(b, p + 20) as usize, u32at(b, p + 24) as usize);
            let name_len = u16at(b, p + 28);
            let (extra, comment) = (u16at(b, p + 30), u16at(b, p + 32));
            let offset = u32at(b, p + 42) as usize;
            let name = String::from_utf8(b[p + 46..p + 46 + name_len].to_vec()).unwrap();
            assert_eq!(method, 0);
            assert_eq!(csize, usize_);
            // the local header says the same
            assert_eq!(offset, local_end, "entries are contiguous");
            assert_eq!(u32at(b, offset), 0x0403_4b50);
            assert_eq!(u16at(b, offset + 8), 0);
            assert_eq!(u32at(b, offset + 14), crc);
            assert_eq!(u32at(b, offset + 18) as usize, csize);
            assert_eq!(u32at(b, offset + 22) as usize, usize_);
            let lname = u16at(b, offset + 26);
            let lextra = u16at(b, offset + 28);
            assert_eq!(&b[offset + 30..offset + 30 + lname], name.as_bytes());
            let start = offset + 30 + lname + lextra;
            let data = &b[start..start + csize];
            assert_eq!(crc32(data), crc, "CRC of {name}");
            local_end = start + csize;
            files.push((name, String::from_utf8(data.to_vec()).unwrap()));
            p += 46 + name_len + extra + comment;
        }
        assert_eq!(local_end, cd_offset, "nothing between the last entry and the directory");
        files
    }

    fn part<'a>(files: &'a [(String, String)], name: &str) -> &'a str {
        &files.iter().find(|(n, _)| n == name).unwrap_or_else(|| panic!("{name} missing")).1
    }

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn xlsx_is_a_valid_zip_with_every_part() {
        let b = workbook(&[
            ("汇总", vec![vec!["指标".into(), "数值".into()], vec!["发布项目".into(), Cell::Int(42)]]),
            ("趋势", vec![vec!["期间".into()], vec!["2026-03".into()]]),
        ]);
        assert_eq!(&b[..4], b"PK\x03\x04");
        let files = unzip(&b);
        let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "[Content_Types].xml",
                "_rels/.rels",
                "xl/workbook.xml",
                "xl/_rels/workbook.xml.rels",
                "xl/styles.xml",
                "xl/worksheets/sheet1.xml",
                "xl/worksheets/sheet2.xml"
            ]
        );
        let types = part(&files, "[Content_Types].xml");
        assert!(types.contains("/xl/worksheets/sheet2.xml"));
        let wb = part(&files, "xl/workbook.xml");
        assert!(wb.contains(r#"<sheet name="汇总" sheetId="1" r:id="rId1"/>"#), "{wb}");
        assert!(wb.contains(r#"<sheet name="趋势" sheetId="2" r:id="rId2"/>"#));
        let rels = part(&files, "xl/_rels/workbook.xml.rels");
        assert!(rels.contains(r#"Id="rId2""#) && rels.contains(r#"Target="worksheets/sheet2.xml""#));
        assert!(rels.contains(r#"Id="rId3""#) && rels.contains(r#"Target="styles.xml""#));
        let s1 = part(&files, "xl/worksheets/sheet1.xml");
        assert!(s1.contains(r#"<c r="A1" s="1" t="inlineStr"><is><t xml:space="preserve">指标</t></is></c>"#), "{s1}");
        assert!(s1.contains(r#"<c r="B2"><v>42</v></c>"#), "a number is stored as a number: {s1}");
    }

    #[test]
    fn numbers_stay_numbers_and_text_is_escaped() {
        let b = workbook(&[(
            "a/b:c",
            vec![vec![
                Cell::Num(1234.5),
                Cell::Num(-0.25),
                Cell::Num(f64::NAN),
                Cell::Int(-7),
                Cell::Text(String::new()),
                Cell::Text("<A & B> \"q\" 'x'\u{1}".into()),
            ]],
        )]);
        let files = unzip(&b);
        let s = part(&files, "xl/worksheets/sheet1.xml");
        assert!(s.contains(r#"<c r="A1" s="1"><v>1234.5</v></c>"#), "{s}");
        assert!(s.contains(r#"<c r="B1" s="1"><v>-0.25</v></c>"#));
        assert!(!s.contains("C1"), "NaN is left empty");
        assert!(s.contains(r#"<c r="D1" s="1"><v>-7</v></c>"#));
        assert!(!s.contains("E1"), "empty text is an empty cell");
        assert!(s.contains(r#"<c r="F1" s="1" t="inlineStr"><is><t xml:space="preserve">&lt;A &amp; B&gt; &quot;q&quot; &apos;x&apos;</t>"#), "{s}");
        assert!(part(&files, "xl/workbook.xml").contains(r#"name="a_b_c""#));
    }

    #[test]
    fn columns_and_sheet_names() {
        assert_eq!(column(0), "A");
        assert_eq!(column(25), "Z");
        assert_eq!(column(26), "AA");
        assert_eq!(column(27), "AB");
        assert_eq!(column(701), "ZZ");
        assert_eq!(column(702), "AAA");
        let names = sheet_names(["数据", "数据", "", &"x".repeat(40)].into_iter());
        assert_eq!(names[0], "数据");
        assert_eq!(names[1], "数据 (2)");
        assert_eq!(names[2], "Sheet3");
        assert_eq!(names[3].chars().count(), 31);
    }

    #[test]
    fn an_empty_workbook_still_has_a_sheet() {
        let files = unzip(&workbook(&[]));
        assert!(part(&files, "xl/workbook.xml").contains(r#"<sheet name="Sheet1""#));
        assert!(files.iter().any(|(n, _)| n == "xl/worksheets/sheet1.xml"));
    }

    /// Reads a ZIP that may use data descriptors: from the central directory,
    /// checks every local header, descriptor, CRC and size.
    fn unzip_streamed(b: &[u8]) -> Vec<(String, Vec<u8>)> {
        let eocd = b.len() - 22;
        assert_eq!(u32at(b, eocd), 0x0605_4b50);
        let entries = u16at(b, eocd + 10);
        let cd_size = u32at(b, eocd + 12) as usize;
        let cd_offset = u32at(b, eocd + 16) as usize;
        assert_eq!(cd_offset + cd_size, eocd);
        let (mut p, mut local_end, mut out) = (cd_offset, 0, Vec::new());
        for _ in 0..entries {
            assert_eq!(u32at(b, p), 0x0201_4b50);
            let flags = u16at(b, p + 8);
            let crc = u32at(b, p + 16);
            let size = u32at(b, p + 20) as usize;
            assert_eq!(u32at(b, p + 24) as usize, size);
            let name_len = u16at(b, p + 28);
            let offset = u32at(b, p + 42) as usize;
            let name = String::from_utf8(b[p + 46..p + 46 + name_len].to_vec()).unwrap();
            assert_eq!(offset, local_end, "{name}: entries are contiguous");
            assert_eq!(u32at(b, offset), 0x0403_4b50);
            assert_eq!(u16at(b, offset + 6), flags, "{name}: same flags in both headers");
            let start = offset + 30 + u16at(b, offset + 26) + u16at(b, offset + 28);
            let data = &b[start..start + size];
            assert_eq!(crc32(data), crc, "CRC of {name}");
            if flags & 8 != 0 {
                assert_eq!(u32at(b, offset + 14), 0, "{name}: CRC deferred");
                let d = start + size;
                assert_eq!(u32at(b, d), 0x0807_4b50, "{name}: data descriptor");
                assert_eq!(u32at(b, d + 4), crc);
                assert_eq!(u32at(b, d + 8) as usize, size);
                assert_eq!(u32at(b, d + 12) as usize, size);
                local_end = d + 16;
            } else {
                assert_eq!(u32at(b, offset + 14), crc);
                assert_eq!(u32at(b, offset + 18) as usize, size);
                local_end = start + size;
            }
            out.push((name, data.to_vec()));
            p += 46 + name_len + u16at(b, p + 30) + u16at(b, p + 32);
        }
        assert_eq!(local_end, cd_offset);
        out
    }

    #[test]
    fn crc32_continues_over_pieces() {
        let whole = crc32(b"hello, streamed world");
        assert_eq!(crc32_update(crc32_update(0, b"hello, "), b"streamed world"), whole);
        assert_eq!(crc32_update(0, b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn a_streamed_zip_round_trips_with_data_descriptors() {
        let mut z = ZipStream::new();
        let mut b = z.entry("a.txt", b"first");
        b.extend(z.begin("big.txt"));
        for i in 0..1000 {
            b.extend(z.data(format!("line {i}\n").into_bytes()));
        }
        b.extend(z.begin("c.txt"));
        b.extend(z.data(b"last".to_vec()));
        assert_eq!(z.written() as usize, b.len(), "the writer counts what it returned");
        b.extend(z.finish());
        let files = unzip_streamed(&b);
        let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["a.txt", "big.txt", "c.txt"]);
        let big = String::from_utf8(files[1].1.clone()).unwrap();
        assert!(big.starts_with("line 0\n") && big.ends_with("line 999\n") && big.lines().count() == 1000);
        assert_eq!(files[2].1, b"last");
    }

    #[test]
    fn a_streamed_workbook_has_every_part_and_the_rows_in_order() {
        let (mut x, mut b) = XlsxStream::start("公告", &["编号", "金额"], &[14]);
        for i in 0..300 {
            b.extend(x.row(&[Cell::Text(format!("ZJ{i:05} <&>")), Cell::Num(i as f64 + 0.5)]).unwrap());
        }
        assert_eq!(x.rows(), 300);
        b.extend(x.finish());
        assert_eq!(&b[..4], b"PK\x03\x04");
        let files = unzip_streamed(&b);
        let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml", "xl/worksheets/sheet1.xml"]);
        let sheet = String::from_utf8(files[5].1.clone()).unwrap();
        assert!(sheet.contains(r#"<c r="A1" s="1" t="inlineStr"><is><t xml:space="preserve">编号</t></is></c>"#), "{}", &sheet[..600]);
        assert!(sheet.contains(r#"<c r="A2" t="inlineStr"><is><t xml:space="preserve">ZJ00000 &lt;&amp;&gt;</t></is></c><c r="B2"><v>0.5</v></c>"#));
        assert!(sheet.contains(r#"<row r="301">"#) && !sheet.contains(r#"<row r="302">"#));
        assert!(sheet.ends_with("</sheetData></worksheet>"));
        assert!(String::from_utf8(files[2].1.clone()).unwrap().contains(r#"<sheet name="公告""#));
    }

    #[test]
    fn a_streamed_sheet_stops_at_excels_row_limit() {
        let (mut x, _) = XlsxStream::start("s", &["a"], &[]);
        x.rows = MAX_DATA_ROWS - 1;
        assert!(x.row(&[Cell::Int(1)]).is_some(), "the last row Excel shows");
        assert!(x.row(&[Cell::Int(2)]).is_none(), "one more is refused");
        assert_eq!(x.rows(), MAX_DATA_ROWS);
    }
}
