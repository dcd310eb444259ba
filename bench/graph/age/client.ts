/**
 * A connection to Apache AGE that behaves like LightRAG's PostgreSQLDB (lightrag/kg/
 * postgres_impl.py) when its graph storage calls it with `with_age=True`: before every storage
 * statement it runs `SET search_path = ag_catalog, "$user", public` and
 * `select create_graph(<graph>)`, which fails because the graph exists and whose error LightRAG
 * swallows. Those two round trips are part of every LightRAG graph call, so they are part of the
 * AGE timings as LightRAG drives it, on the server's settings (PostgreSQL's default jit = on).
 *
 * The tuned client shows AGE at its best: the same statements without the preludes and with
 * jit off, since AGE's row estimates (1,000 rows for every UNWIND, 50 for every property match)
 * push small queries past jit_above_cost, and compiling them takes longer than running them.
 *
 * Also here: the quoting LightRAG applies where it writes values into Cypher text instead of
 * binding them (dollar quotes with a tag the text does not contain, double-quoted Cypher strings
 * with backslashes and double quotes escaped, property maps of JSON values with backquoted keys).
 */
import postgres from "postgres";

export const GRAPH = "bench";
/** LightRAG joins the source chunk ids and file paths of a node or an edge with this. */
export const FIELD_SEPARATOR = "<SEP>";

export interface AgeTuning {
  /** Runs LightRAG's two session statements before every storage call. */
  readonly preludes: boolean;
  /** Leaves jit to the server (on by default); false turns it off for the session. */
  readonly jit: boolean;
}

export const AS_LIGHTRAG: AgeTuning = { preludes: true, jit: true };
export const TUNED: AgeTuning = { preludes: false, jit: false };

export class AgeClient {
  /** Storage calls made so far: each paid for the preludes when they are on. */
  calls = 0;

  private constructor(readonly sql: postgres.Sql, readonly tuning: AgeTuning) {}

  get label(): string {
    return this.tuning.preludes ? "AGE as LightRAG" : "AGE tuned";
  }

  /**
   * One connection without prepared statements: the Cypher text differs on nearly every call, so
   * a cache of named statements would only grow (asyncpg's is an LRU of 100; an unnamed
   * statement costs AGE the same parse and plan).
   */
  static async connect(url: string, tuning: AgeTuning, timeoutMs = 0): Promise<AgeClient> {
    const sql = postgres(url, {
      max: 1,
      prepare: false,
      onnotice: () => {},
      connection: { statement_timeout: timeoutMs, ...(tuning.jit ? {} : { jit: "off" }) },
    });
    // LightRAG gets the library loaded by its create_graph call; without preludes load it here.
    await sql`load 'age'`;
    await sql`set search_path = ag_catalog, "$user", public`;
    return new AgeClient(sql, tuning);
  }

  /** A LightRAG storage call: the session preludes, then `body`'s statements. */
  async call<T>(body: (sql: postgres.Sql) => Promise<T>): Promise<T> {
    this.calls++;
    if (this.tuning.preludes) await this.prelude();
    try {
      return await body(this.sql);
    } catch (error) {
      // 57014 query_canceled: statement_timeout ended it.
      if ((error as { code?: string }).code === "57014") throw new TimedOut();
      throw error;
    }
  }

  /** LightRAG's configure_age. */
  async prelude(): Promise<void> {
    await this.sql`set search_path = ag_catalog, "$user", public`;
    try {
      await this.sql`select create_graph(${GRAPH})`;
    } catch (error) {
      // 3F000 invalid_schema_name: "graph already exists", ignored by LightRAG.
      if ((error as { code?: string }).code !== "3F000") throw error;
    }
  }

  end(): Promise<void> {
    return this.sql.end({ timeout: 5 });
  }
}

/** A statement outlived the client's statement_timeout. */
export class TimedOut extends Error {
  override readonly name = "TimedOut";
}

/** `text` in dollar quotes $AGEn$ … $AGEn$ with the first n the text does not contain. */
export function dollarQuote(text: string): string {
  for (let n = 1;; n++) {
    const tag = `$AGE${n}$`;
    if (!text.includes(tag)) return `${tag}${text}${tag}`;
  }
}

/** The body of a double-quoted Cypher string: NULs dropped, backslashes and quotes escaped. */
export function cypherString(text: string): string {
  return text.replaceAll("\0", "").replaceAll("\\", "\\\\").replaceAll('"', '\\"');
}

/** A Cypher map literal {`key`: <JSON value>, …}. */
export function cypherMap(properties: Record<string, unknown>): string {
  const entries = Object.entries(properties).map(([key, value]) =>
    `\`${key.replaceAll("`", "``")}\`: ${JSON.stringify(value)}`
  );
  return `{${entries.join(", ")}}`;
}

/**
 * `select * from cypher(<graph>, <cypher>[, $1]) as (<columns>)`: with `withParameter` the
 * Cypher's $names are bound from one agtype map passed as $1, as LightRAG does for its
 * parameterised queries.
 */
export function cypherSql(cypher: string, columns: string, withParameter: boolean): string {
  const parameter = withParameter ? ", $1::agtype" : "";
  return `select * from cypher(${dollarQuote(GRAPH)}::name, ${dollarQuote(cypher)}::cstring` +
    `${parameter}) as (${columns})`;
}

/** properties.entity_id in the form LightRAG's plain SQL queries write it. */
export const ENTITY_ID =
  `ag_catalog.agtype_access_operator(variadic array[properties, '"entity_id"'::agtype])`;
