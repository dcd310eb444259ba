-- The keyword arm reads the tsvector of every chunk it scores. Stored the default way (extended),
-- a chunk's content, tsvector and embedding together pass the 2 kB toast threshold, and the
-- tsvector, second largest, goes out of line: one more index probe and page read per scored
-- chunk. Stored main, it stays in the row (compressed), and content moves out instead, which only
-- the final rows of a search read. Rows written before keep their layout until rewritten.
alter table pgrag.chunks alter column content_tsv set storage main;
