/**
 * @ledgerflow/sqlite: opening a Ledgerflow SQLite file (WAL, `synchronous`, `busy_timeout`, schema created
 * under lock contention) and telling SQLite's lock errors apart; used by the event store and the PII vault.
 */
export * from './sqlite-file.js';
