//! (being moved here: see issue 13)
