//! (contract-signing slice: in progress)
