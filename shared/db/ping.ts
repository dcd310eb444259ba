/**
 * What every driver's `ping` asks: the table each migration records itself in, looked up by
 * name, so a database that answers but was never migrated says so in the same round trip.
 */
export const PING_QUERY = "select to_regclass('pgrag.schema_migrations') is not null as migrated";
