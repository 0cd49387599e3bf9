/**
 * Finds the code blocks of a Markdown file and turns them into modules to compile.
 *
 * A fenced block whose info string starts with `ts`, `typescript`, `js`, `javascript` or `mjs` is
 * code; every other block (`sh`, `text`, `json`, `mermaid`, none) is not. A comment on the nearest
 * non-blank line before a code block changes how it is treated:
 *
 * - `<!-- docs-check: continues -->`: the block continues the previous code block of the same file;
 *   both are compiled as one module (for prose that shows a program in steps).
 * - `<!-- docs-check: skip <reason> -->`: the block is not compiled (pseudo-syntax only; the reason
 *   is required and reported).
 * - `<!-- docs-check: run -->`: the block is compiled and also run by the test (only for blocks that
 *   talk to nothing but the testkit's emulators on loopback, never a real processor).
 */

export type Language = "ts" | "js"

export interface Block {
  /** The Markdown file, relative to the repository root, with `/` separators. */
  readonly file: string
  /** 1-based line of the block's first code line (the line after the opening fence). */
  readonly line: number
  readonly language: Language
  readonly lines: ReadonlyArray<string>
  readonly directive: Directive
}

export type Directive =
  | { readonly _tag: "None" }
  | { readonly _tag: "Continues" }
  | { readonly _tag: "Run" }
  | { readonly _tag: "Skip"; readonly reason: string }

export interface Source {
  readonly file: string
  readonly line: number
}

/** A module to compile: its lines, and where each came from. */
export interface Module {
  readonly name: string
  readonly language: Language
  readonly lines: ReadonlyArray<string>
  readonly sources: ReadonlyArray<Source>
  /** The blocks it is made of (one, or a block and its continuations). */
  readonly blocks: ReadonlyArray<Block>
  /** Marked `docs-check: run`: the test runs it after it compiled. */
  readonly run: boolean
}

export interface Skipped {
  readonly block: Block
  readonly reason: string
}

export class DocsCheckError extends Error {
  override readonly name = "DocsCheckError"
}

const languages: Record<string, Language> = {
  ts: "ts",
  typescript: "ts",
  js: "js",
  javascript: "js",
  mjs: "js"
}

const fenceOpen = /^( {0,12})(`{3,}|~{3,})\s*([^\s`]*)/
const directivePattern = /^\s*<!--\s*docs-check:\s*(continues|skip|run)\b\s*(.*?)\s*-->\s*$/

/** Every code block of `markdown` (including skipped ones), in order. */
export const blocks = (file: string, markdown: string): Array<Block> => {
  const all = markdown.split(/\r?\n/)
  const found: Array<Block> = []
  let index = 0
  while (index < all.length) {
    const open = fenceOpen.exec(all[index]!)
    if (open === null) {
      index++
      continue
    }
    const indent = open[1]!.length
    const fence = open[2]!
    const info = open[3]!.toLowerCase()
    const close = new RegExp(`^ {0,${indent + 3}}${fence[0] === "`" ? "`" : "~"}{${fence.length},}\\s*$`)
    let end = index + 1
    while (end < all.length && !close.test(all[end]!)) end++
    if (end >= all.length) throw new DocsCheckError(`${file}:${index + 1}: code block never closed`)
    const language = languages[info]
    if (language !== undefined) {
      const lines = all.slice(index + 1, end).map((l) => stripIndent(l, indent))
      found.push({ file, line: index + 2, language, lines, directive: directiveBefore(file, all, index) })
    } else if (directiveBefore(file, all, index)._tag !== "None") {
      throw new DocsCheckError(`${file}:${index + 1}: a docs-check comment before a \`${info || "plain"}\` block, which is not compiled anyway`)
    }
    index = end + 1
  }
  return found
}

const stripIndent = (line: string, indent: number): string => {
  let n = 0
  while (n < indent && line[n] === " ") n++
  return line.slice(n)
}

const directiveBefore = (file: string, all: ReadonlyArray<string>, fenceIndex: number): Directive => {
  let i = fenceIndex - 1
  while (i >= 0 && all[i]!.trim() === "") i--
  if (i < 0) return { _tag: "None" }
  const match = directivePattern.exec(all[i]!)
  if (match === null) {
    if (/docs-check/.test(all[i]!)) throw new DocsCheckError(`${file}:${i + 1}: unreadable docs-check comment (continues | skip <reason> | run)`)
    return { _tag: "None" }
  }
  if (match[1] === "continues") return { _tag: "Continues" }
  if (match[1] === "run") return { _tag: "Run" }
  const reason = match[2]!
  if (reason === "") throw new DocsCheckError(`${file}:${i + 1}: \`docs-check: skip\` needs a reason`)
  return { _tag: "Skip", reason }
}

/** The modules to compile for one Markdown file, and the blocks it skips. */
export const modules = (file: string, markdown: string): { modules: Array<Module>; skipped: Array<Skipped> } => {
  const result: Array<{ language: Language; blocks: Array<Block> }> = []
  const skipped: Array<Skipped> = []
  for (const block of blocks(file, markdown)) {
    switch (block.directive._tag) {
      case "Skip":
        skipped.push({ block, reason: block.directive.reason })
        break
      case "Continues": {
        const previous = result.at(-1)
        if (previous === undefined) throw new DocsCheckError(`${file}:${block.line - 1}: \`docs-check: continues\` but no code block before it`)
        if (previous.language !== block.language) throw new DocsCheckError(`${file}:${block.line - 1}: a ${block.language} block cannot continue a ${previous.language} block`)
        previous.blocks.push(block)
        break
      }
      case "None":
      case "Run":
        result.push({ language: block.language, blocks: [block] })
    }
  }
  return {
    skipped,
    modules: result.map(({ language, blocks }) => {
      const lines: Array<string> = []
      const sources: Array<Source> = []
      for (const block of blocks) {
        block.lines.forEach((line, i) => {
          lines.push(line)
          sources.push({ file, line: block.line + i })
        })
      }
      const name = `${file.replace(/[^A-Za-z0-9]+/g, "_")}_L${blocks[0]!.line}`
      return { name, language, lines, sources, blocks, run: blocks[0]!.directive._tag === "Run" }
    })
  }
}
