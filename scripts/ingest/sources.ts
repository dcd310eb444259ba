/** One document to ingest, as `POST /documents` takes it. */
export interface IngestDocument {
  id: string;
  title?: string;
  content: string;
  file_path: string;
  metadata: Record<string, unknown>;
}

/** A line or file that could not become a document, with why. */
export interface SourceProblem {
  where: string;
  reason: string;
}

const TEXT_EXTENSIONS = new Set([".txt", ".md"]);

/**
 * The documents under `path`: each `.txt` and `.md` file is one (its id and `file_path` the path
 * relative to the folder given), each line of a `.jsonl` file one, in BEIR's `corpus.jsonl` shape
 * `{_id, title, text, metadata?}`. Other files are left alone. A title goes first in the content
 * too, so it is searched with the text (as BEIR scores title and text together).
 */
export async function readSources(
  path: string,
): Promise<{ documents: IngestDocument[]; problems: SourceProblem[]; ignored: number }> {
  const root = await Deno.stat(path);
  const files = root.isDirectory ? await filesUnder(path) : [path];
  const documents: IngestDocument[] = [];
  const problems: SourceProblem[] = [];
  let ignored = 0;
  for (const file of files) {
    const relative = root.isDirectory
      ? file.slice(path.replace(/\/+$/, "").length + 1)
      : baseName(file);
    const extension = extensionOf(file);
    if (extension === ".jsonl") {
      const lines = (await Deno.readTextFile(file)).split("\n");
      lines.forEach((line, index) => {
        if (line.trim() === "") return;
        const where = `${relative}:${index + 1}`;
        const parsed = parseCorpusLine(line);
        if (typeof parsed === "string") problems.push({ where, reason: parsed });
        else {
          documents.push({
            id: parsed._id,
            ...(parsed.title ? { title: parsed.title } : {}),
            content: parsed.title ? `${parsed.title}\n\n${parsed.text}` : parsed.text,
            file_path: relative,
            metadata: { ...parsed.metadata, source_file: relative, line: index + 1 },
          });
        }
      });
    } else if (TEXT_EXTENSIONS.has(extension)) {
      const content = await Deno.readTextFile(file);
      if (content.trim() === "") {
        problems.push({ where: relative, reason: "the file is empty" });
        continue;
      }
      const folder = relative.includes("/") ? relative.slice(0, relative.lastIndexOf("/")) : "";
      documents.push({
        id: relative,
        title: baseName(file),
        content,
        file_path: relative,
        metadata: { folder, extension: extension.slice(1) },
      });
    } else {
      ignored++;
    }
  }
  return { documents, problems, ignored };
}

function parseCorpusLine(
  line: string,
): { _id: string; title?: string; text: string; metadata?: Record<string, unknown> } | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return "not JSON";
  }
  const record = value as Record<string, unknown>;
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "not an object";
  if (typeof record._id !== "string" || record._id === "") return "no string `_id`";
  if (typeof record.text !== "string" || record.text.trim() === "") return "no `text`";
  const metadata = typeof record.metadata === "object" && record.metadata !== null &&
      !Array.isArray(record.metadata)
    ? record.metadata as Record<string, unknown>
    : {};
  const title = typeof record.title === "string" && record.title.trim() !== ""
    ? record.title
    : undefined;
  return { _id: record._id, title, text: record.text, metadata };
}

/** Every file under `folder`, depth first, in name order so runs see the same sequence. */
async function filesUnder(folder: string): Promise<string[]> {
  const entries: Deno.DirEntry[] = [];
  for await (const entry of Deno.readDir(folder)) entries.push(entry);
  entries.sort((a, b) => a.name.localeCompare(b.name));
  const files: string[] = [];
  for (const entry of entries) {
    const full = `${folder.replace(/\/+$/, "")}/${entry.name}`;
    if (entry.isDirectory) files.push(...await filesUnder(full));
    else if (entry.isFile) files.push(full);
  }
  return files;
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

function extensionOf(path: string): string {
  const name = baseName(path);
  const dot = name.lastIndexOf(".");
  return dot > 0 ? name.slice(dot).toLowerCase() : "";
}
