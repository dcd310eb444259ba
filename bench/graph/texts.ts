/**
 * The words of the generated knowledge graph: entity names, types, descriptions and relation
 * texts that look like what an LLM extracts from documents. Names are made of two words and a
 * kind plus a number (unique, and a label search for a word matches a few percent of them, as a
 * common word does in a real graph); every 997th name carries the characters that break naive
 * quoting (' " \ $ % _), to prove both sides escape them.
 */
import { type Random, randomInt } from "../harness/seeded-random.ts";

const words = (text: string) => text.split(" ");
const phrases = (text: string) => text.split(", ");

const FIRST = words(
  "Northwind Harbor Silver Granite Aurora Cedar Blue Summit Lumen Iron Crescent Atlas " +
    "Meridian Falcon Willow Quartz Polar Ember Orchid Vertex Kestrel Sable Tidal Copper " +
    "Juniper Onyx Zephyr Marble Beacon Harvest",
);
const SECOND = words(
  "Quantum Solar Genomic Maritime Neural Civic Thermal Orbital Dental Urban Coastal " +
    "Digital Cardiac Seismic Lunar Textile Polymer Viral Alpine Cobalt Hydro Signal " +
    "Carbon Vector Plasma Arctic Modular Sonic Botanic Fiscal",
);
const KINDS = words(
  "Institute Labs Holdings Cooperative Foundation Council Observatory Clinic Agency " +
    "Museum Works Partners Trust Society Project Valley River Summit Protocol Initiative",
);
/** Characters the Cypher text, dollar quoting and LIKE patterns must survive. */
const AWKWARD = [`O'Brien "Red"`, `Back\\slash`, `Dollar $$ Sign`, `100% Under_score`];

const TYPES = words(
  "organization person location event technology concept product category",
);
const VERBS = phrases(
  "funds, partners with, supplies, studies, regulates, acquired, competes with, " +
    "publishes with, is located near, was founded by, licenses, audits",
);
const TOPICS = phrases(
  "renewable storage, coastal erosion, clinical trials, supply chains, urban transit, " +
    "satellite imaging, protein folding, grid stability, water rights, trade policy, " +
    "battery recycling, wildfire risk, vaccine logistics, semiconductor yield",
);

function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)];
}

/** The n-th entity's name: deterministic from n alone, so upsert sets can name new ones. */
export function entityName(n: number): string {
  const first = FIRST[n % FIRST.length];
  const second = SECOND[Math.floor(n / FIRST.length) % SECOND.length];
  const kind = KINDS[(n * 7 + Math.floor(n / 900)) % KINDS.length];
  const awkward = n % 997 === 13 ? `${AWKWARD[(n / 997 | 0) % AWKWARD.length]} ` : "";
  return `${awkward}${first} ${second} ${kind} ${n}`;
}

export function entityType(random: Random): string {
  return pick(random, TYPES);
}

/** A description of 100–200 characters. */
export function entityDescription(random: Random, name: string, type: string): string {
  const parts = [
    `${name} is a ${type} working on ${pick(random, TOPICS)}`,
    ` and ${pick(random, TOPICS)}`,
    `, mentioned in reports from ${pick(random, FIRST)} ${pick(random, KINDS)}`,
    `, with ties to ${pick(random, SECOND).toLowerCase()} research`,
  ];
  let text = parts[0];
  for (const part of parts.slice(1)) if (text.length < 100) text += part;
  return `${text.slice(0, 199)}.`;
}

export function relationDescription(random: Random, source: string, target: string): string {
  return `${source} ${pick(random, VERBS)} ${target} on ${pick(random, TOPICS)}.`;
}

/** Two or three comma-separated keywords, as LightRAG's extraction writes them. */
export function relationKeywords(random: Random): string {
  const count = randomInt(random, 2, 3);
  const words = new Set<string>();
  while (words.size < count) words.add(pick(random, [...TOPICS, ...VERBS]));
  return [...words].join(",");
}

/** 1–3 chunk ids of the form LightRAG gives chunks (chunk-<32 hex>). */
export function chunkIds(random: Random, max = 3): string[] {
  const ids = [];
  for (let i = randomInt(random, 1, max); i > 0; i--) {
    let hex = "";
    while (hex.length < 32) hex += Math.floor(random() * 0x100000000).toString(16).padStart(8, "0");
    ids.push(`chunk-${hex}`);
  }
  return ids;
}

export function filePath(random: Random): string {
  return `reports/${pick(random, FIRST).toLowerCase()}-${randomInt(random, 1, 400)}.pdf`;
}

/** A label search: a word of the names, a prefix of one, or a whole name's first two words. */
export function labelQuery(random: Random): string {
  const word = pick(random, [...FIRST, ...SECOND, ...KINDS]);
  switch (randomInt(random, 0, 2)) {
    case 0:
      return word.toLowerCase();
    case 1:
      return word.slice(0, 4).toLowerCase();
    default:
      return `${pick(random, FIRST)} ${pick(random, SECOND)}`;
  }
}
