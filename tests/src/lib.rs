//! The suite's end-to-end tests are in `tests/`: verification with registration, the relays to
//! notification, the authorization matrix, `rex-suite up` and tracing across services. They
//! start what they need with `rex-testkit`.
