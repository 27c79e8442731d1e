//! (payment slice: in progress)
