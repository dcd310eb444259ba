import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestApi, type TestApi } from "../support/api.ts";

/** A deterministic graph: 60 entities, hubs by preferential attachment, no self-loops. */
function makeGraph() {
  const names = Array.from({ length: 60 }, (_, i) => `n${String(i).padStart(2, "0")}`);
  let seed = 7;
  const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
  const edges = new Map<string, [string, string]>();
  const ends: string[] = [names[0], names[1]];
  for (let i = 2; i < names.length; i++) {
    for (let k = 0; k < 3; k++) {
      const other = ends[Math.floor(random() * ends.length)];
      const pair = [names[i], other].sort() as [string, string];
      if (pair[0] === pair[1] || edges.has(pair.join("|"))) continue;
      edges.set(pair.join("|"), pair);
      ends.push(names[i], other);
    }
  }
  return { names, edges: [...edges.values()] };
}

type Graph = ReturnType<typeof makeGraph>;

/** What pgrag.subgraph promises, computed here: BFS levels ordered by degree, then name. */
function expectedSubgraph(graph: Graph, label: string, maxDepth: number, maxNodes: number) {
  const neighbours = new Map<string, Set<string>>(graph.names.map((n) => [n, new Set()]));
  for (const [a, b] of graph.edges) {
    neighbours.get(a)!.add(b);
    neighbours.get(b)!.add(a);
  }
  const degree = (n: string) => neighbours.get(n)!.size;
  const byDegree = (a: string, b: string) => degree(b) - degree(a) || (a < b ? -1 : 1);
  const nodes = [{ name: label, depth: 0 }];
  const seen = new Set([label]);
  let frontier = [label];
  let truncated = false;
  for (let depth = 1; depth <= maxDepth && frontier.length && !truncated; depth++) {
    const found = [...new Set(frontier.flatMap((n) => [...neighbours.get(n)!]))]
      .filter((n) => !seen.has(n))
      .sort(byDegree);
    const room = maxNodes - nodes.length;
    if (found.length > room) {
      truncated = true;
      found.length = room;
    }
    for (const n of found) {
      seen.add(n);
      nodes.push({ name: n, depth });
    }
    frontier = found;
  }
  const edges = graph.edges.filter(([a, b]) => seen.has(a) && seen.has(b)).map((e) => e.join("|"));
  return { nodes, edges: edges.sort(), truncated, degree, byDegree };
}

describe("knowledge graph traversal and search (API §6, §5)", () => {
  let api: TestApi;
  const graph = makeGraph();

  beforeAll(async () => {
    api = await openTestApi();
    const response = await api.request("POST", "/graph/relations", {
      body: {
        relations: graph.edges.map(([source, target], i) => ({
          // Half the pairs sent the other way round: the graph is undirected.
          ...(i % 2 ? { source, target } : { source: target, target: source }),
          embedding: [Math.cos(i), Math.sin(i), 0.5],
        })),
      },
    });
    expect(response.body).toEqual({ upserted: graph.edges.length });
    const entities = await api.request("POST", "/graph/entities", {
      body: {
        entities: graph.names.map((name, i) => ({
          name,
          embedding: [Math.cos(i * 0.7), Math.sin(i * 0.7), (i % 5) / 5],
        })),
      },
    });
    expect(entities.status).toBe(200);
  });
  afterAll(() => api.close());

  const subgraph = async (query: string) => {
    const response = await api.request("GET", `/graph/subgraph?${query}`, { key: api.keys.reader });
    expect(response.status).toBe(200);
    return response.body;
  };
  const edgeKeys = (edges: { source: string; target: string }[]) =>
    edges.map((e) => [e.source, e.target].sort().join("|")).sort();

  it("walks breadth first, best connected first, exactly as the reference does", async () => {
    const cases: [string, number, number][] = [
      ["n00", 3, 1000],
      ["n59", 3, 1000],
      ["n59", 1, 1000],
      ["n59", 2, 8],
      ["n30", 3, 20],
      ["n01", 0, 1000],
    ];
    for (const [label, depth, max] of cases) {
      const expected = expectedSubgraph(graph, label, depth, max);
      const body = await subgraph(`label=${label}&max_depth=${depth}&max_nodes=${max}`);
      const context = `${label} depth ${depth} max ${max}`;
      expect(
        body.nodes.map((n: { name: string; depth: number }) => ({
          name: n.name,
          depth: n.depth,
        })),
        context,
      ).toEqual(expected.nodes);
      expect(edgeKeys(body.edges), context).toEqual(expected.edges);
      expect(body.is_truncated, context).toBe(expected.truncated);
      for (const node of body.nodes) expect(node.degree).toBe(expected.degree(node.name));
    }
  });

  it("defaults to depth 3 and 1000 nodes, gives the most connected for *, nothing for unknowns", async () => {
    const whole = expectedSubgraph(graph, "n00", 3, 1000);
    expect((await subgraph("label=n00")).nodes).toHaveLength(whole.nodes.length);

    const top = [...graph.names].sort(whole.byDegree);
    const star = await subgraph("label=*&max_nodes=5");
    expect(star.nodes.map((n: { name: string }) => n.name)).toEqual(top.slice(0, 5));
    expect(star.is_truncated).toBe(true);
    const top5 = new Set(top.slice(0, 5));
    expect(edgeKeys(star.edges)).toEqual(
      graph.edges.filter(([a, b]) => top5.has(a) && top5.has(b)).map((e) => e.join("|")).sort(),
    );
    const all = await subgraph("label=*");
    expect(all.nodes).toHaveLength(graph.names.length);
    expect(all.edges).toHaveLength(graph.edges.length);
    expect(all.is_truncated).toBe(false);

    expect(await subgraph("label=nobody")).toEqual({ nodes: [], edges: [], is_truncated: false });
  });

  it("lists labels by degree, or by how well they match", async () => {
    const { byDegree } = expectedSubgraph(graph, "n00", 0, 1);
    const popular = await api.request("GET", "/graph/labels?limit=7");
    expect(popular.body.items.map((l: { name: string }) => l.name)).toEqual(
      [...graph.names].sort(byDegree).slice(0, 7),
    );
    await api.request("POST", "/graph/entities", {
      body: { entities: [{ name: "Marie Curie" }, { name: "Curie point" }, { name: "Curium" }] },
    });
    const exact = await api.request("GET", "/graph/labels?q=curie");
    expect(exact.body.items.map((l: { name: string }) => l.name).slice(0, 2)).toEqual([
      "Curie point",
      "Marie Curie",
    ]);
    // A misspelling still finds the name by trigram word similarity.
    const typo = await api.request("GET", "/graph/labels?q=Cuire");
    expect(typo.body.items.map((l: { name: string }) => l.name)).toContain("Marie Curie");
    const none = await api.request("GET", "/graph/labels?q=zzzzqqq");
    expect(none.body.items).toEqual([]);
  });

  it("finds the nearest entities and relations by cosine similarity", async () => {
    const query = [0.3, 0.9, 0.1];
    const cosine = (v: number[]) =>
      (v[0] * query[0] + v[1] * query[1] + v[2] * query[2]) /
      (Math.hypot(...v) * Math.hypot(...query));
    const entityRanking = graph.names
      .map((name, i) => ({
        name,
        similarity: cosine([Math.cos(i * 0.7), Math.sin(i * 0.7), (i % 5) / 5]),
      }))
      .sort((a, b) => b.similarity - a.similarity);
    const entities = await api.request("POST", "/entities/search", {
      body: { embedding: query, top_k: 5 },
      key: api.keys.reader,
    });
    expect(entities.status).toBe(200);
    expect(entities.body.results.map((r: { name: string }) => r.name)).toEqual(
      entityRanking.slice(0, 5).map((r) => r.name),
    );
    entities.body.results.forEach((r: { similarity: number }, i: number) =>
      expect(r.similarity).toBeCloseTo(entityRanking[i].similarity, 5)
    );

    const threshold = entityRanking[2].similarity - 1e-6;
    const above = await api.request("POST", "/entities/search", {
      body: { embedding: query, top_k: 50, min_similarity: threshold },
    });
    expect(above.body.results).toHaveLength(3);

    const relationRanking = graph.edges
      .map((pair, i) => ({
        pair: pair.join("|"),
        similarity: cosine([Math.cos(i), Math.sin(i), 0.5]),
      }))
      .sort((a, b) => b.similarity - a.similarity);
    const relations = await api.request("POST", "/relations/search", {
      body: { embedding: query, top_k: 4 },
    });
    expect(
      relations.body.results.map((r: { source: string; target: string }) =>
        [r.source, r.target].sort().join("|")
      ),
    ).toEqual(relationRanking.slice(0, 4).map((r) => r.pair));

    const other = await api.addTenant();
    const foreign = await api.request("POST", "/entities/search", {
      body: { embedding: query, top_k: 5 },
      key: other.keys.reader,
    });
    expect(foreign.body.results).toEqual([]);
  });
});
