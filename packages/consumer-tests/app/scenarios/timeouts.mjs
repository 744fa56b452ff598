// Client timeouts for every scenario: generous, because these scripts prove that the packages work
// on a runtime, not how fast; on a loaded machine a runtime's first TLS handshake or its first
// compiled call can take longer than the client's 1 s default.
export const TIMEOUTS = { timeout: 15_000, connectTimeout: 15_000 };
