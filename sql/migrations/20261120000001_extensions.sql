-- Extensions pgrag depends on: pgvector stores and indexes embeddings, pg_trgm serves fuzzy label
-- search. Both ship with Supabase, Neon, RDS, Cloud SQL and PGlite.
create extension if not exists vector;
create extension if not exists pg_trgm;
