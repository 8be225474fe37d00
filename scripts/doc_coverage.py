#!/usr/bin/env python3
"""Public declarations without a `///` doc comment, per module (SwiftPM target under Sources/).

A declaration counts as documented when a `///` line (or the end of a `/** … */` block) stands right above
it, attribute lines (`@inlinable`, `@_disfavoredOverload`, …) in between allowed. Counted: declarations
with a `public` or `open` modifier (types, funcs, inits, subscripts, vars, lets, typealiases), except
  - members of types that are not themselves public or open (they are not public API);
  - protocol-requirement witnesses, which inherit their protocol's documentation: a member whose name
    matches a requirement of a protocol its type conforms to in this package (conformances from the type's
    declaration and from extensions, through inherited protocols), default implementations in a
    protocol's extension, and the well-known ones: description, init(from:), encode(to:), hash(into:),
    ==, rawValue, allCases and ArgumentParser's ExpressibleByArgument requirements (init(argument:),
    defaultValueDescription, allValueStrings, defaultCompletionKind).
Generated code (Sources/BackpropONNX/onnx.pb.swift) is skipped.

  python3 scripts/doc_coverage.py            list each undocumented declaration, then counts per module
  python3 scripts/doc_coverage.py --summary  counts per module only
  python3 scripts/doc_coverage.py --strict   also exit 1 when any remain
"""
import argparse
import os
import re
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
GENERATED = {"Sources/BackpropONNX/onnx.pb.swift"}
WELL_KNOWN = {"var description", "init(from:)", "func encode(to:)", "func hash(into:)", "func ==",
              "var rawValue", "var allCases", "init(argument:)", "var defaultValueDescription",
              "var allValueStrings", "var defaultCompletionKind"}

TYPE_KEYWORDS = ("struct", "class", "enum", "protocol", "actor", "extension")
DECL_KEYWORDS = TYPE_KEYWORDS[:-1] + ("func", "init", "subscript", "var", "let", "typealias", "macro")
MODIFIER = (r"(?:public|open|package|internal|fileprivate|private)(?:\(set\))?|final|static|class|override|mutating"
            r"|nonmutating|convenience|required|indirect|nonisolated|lazy|weak|unowned|dynamic|prefix|postfix"
            r"|infix|distributed|consuming|borrowing")
ATTRIBUTE = r"@\w+(?:\((?:[^()]|\([^()]*\))*\))?"
DECL = re.compile(rf"^\s*((?:(?:{ATTRIBUTE}|{MODIFIER})\s+)*)"
                  rf"({'|'.join(DECL_KEYWORDS + ('extension',))})(?![\w])[?!]?\s*(.*)$")
ATTRIBUTE_LINE = re.compile(rf"^\s*(?:{ATTRIBUTE}\s*)+$")


def blank_code(text):
    """The source with comments and string contents replaced by spaces (newlines kept), so braces and
    keywords can be found by position. Handles nested block comments, multi-line and raw strings and
    string interpolation (which may itself hold strings)."""
    out = list(text)
    n = len(text)

    def blank(a, b):
        for k in range(a, b):
            if out[k] != "\n":
                out[k] = " "

    def scan_string(i):
        """i is at the opening quote(s) (after any #s); returns the index after the literal."""
        start = i
        hashes = 0
        while start - hashes - 1 >= 0 and text[start - hashes - 1] == "#":
            hashes += 1
        multi = text.startswith('"""', i)
        close = ('"""' if multi else '"') + "#" * hashes
        i += 3 if multi else 1
        escape = "\\" + "#" * hashes
        while i < n:
            if text.startswith(escape, i):
                j = i + len(escape)
                if j < n and text[j] == "(":
                    blank(start, i)
                    i = scan_code(j + 1, stop_at_paren=True)
                    start = i
                    continue
                i = j + 1
                continue
            if text.startswith(close, i):
                blank(start, i)
                return i + len(close)
            if text[i] == "\n" and not multi:
                blank(start, i)
                return i
            i += 1
        blank(start, n)
        return n

    def scan_code(i, stop_at_paren=False):
        depth = 0
        while i < n:
            c = text[i]
            if text.startswith("//", i):
                j = text.find("\n", i)
                j = n if j < 0 else j
                blank(i, j)
                i = j
            elif text.startswith("/*", i):
                level, j = 1, i + 2
                while j < n and level:
                    if text.startswith("/*", j):
                        level, j = level + 1, j + 2
                    elif text.startswith("*/", j):
                        level, j = level - 1, j + 2
                    else:
                        j += 1
                blank(i, j)
                i = j
            elif c == '"':
                i = scan_string(i)
            elif stop_at_paren and c == "(":
                depth, i = depth + 1, i + 1
            elif stop_at_paren and c == ")":
                if depth == 0:
                    return i + 1
                depth, i = depth - 1, i + 1
            else:
                i += 1
        return n

    scan_code(0)
    return "".join(out)


def strip_generics(name):
    name = name.strip()
    while "<" in name:
        new = re.sub(r"<[^<>]*>", "", name)
        if new == name:
            break
        name = new
    return name.strip()


def member_key(keyword, rest, code_line):
    """A key naming a member for requirement matching: 'func name', 'var name', 'init(a:b:)', 'subscript'."""
    if keyword == "init":
        m = re.match(r"\s*(?:<[^>]*>)?\s*\((.*)", rest)
        labels = []
        if m:
            depth, params, cur = 1, [], ""
            for ch in m.group(1):
                if ch in "([<":
                    depth += 1
                elif ch in ")]>":
                    depth -= 1
                    if depth == 0:
                        params.append(cur)
                        break
                if ch == "," and depth == 1:
                    params.append(cur)
                    cur = ""
                else:
                    cur += ch
            for p in params:
                if ":" in p:
                    labels.append(p.split(":")[0].split()[0] if p.split(":")[0].split() else "_")
        return "init(" + "".join(label + ":" for label in labels) + ")"
    if keyword == "subscript":
        return "subscript"
    if keyword in ("var", "let"):
        m = re.match(r"\s*`?(\w+)", rest)
        return "var " + (m.group(1) if m else "?")
    m = re.match(r"\s*`?([\w]+|[^\s(<`]+)", rest)
    return f"{keyword} " + (m.group(1) if m else "?")


def conformances(rest):
    """The names after ':' in a type or extension header `Name<…>: A, B<C> where …`, and the name."""
    header = rest.split("{")[0]
    header = strip_generics(re.split(r"\bwhere\b", header)[0])
    name_part, _, inherits = header.partition(":")
    name = name_part.split("(")[0].strip()
    protocols = [p.split(".")[-1].strip() for p in inherits.split(",")]
    return name, [p for p in protocols if p]


def parse_file(path):
    """Declarations of one file: dicts with line, text, keys, the enclosing type and flags."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    lines = text.split("\n")
    code_lines = blank_code(text).split("\n")
    decls, types, protocol_requirements = [], [], {}
    # context stack: (kind, name, is_public, brace depth at which its body opened); kind "body" is any
    # other brace (function, accessor, closure); `pending` is a type declared whose `{` is still to come
    stack, depth, pending = [], 0, None
    for index, code in enumerate(code_lines):
        m = DECL.match(code)
        if m:
            modifiers, keyword, rest = m.group(1), m.group(2), m.group(3)
            is_public = bool(re.search(r"\b(?:public|open)\b(?!\()", modifiers))
            inside = stack[-1] if stack else None
            if keyword in TYPE_KEYWORDS:
                name, inherited = conformances(rest)
                if inside and inside[0] not in ("extension", "protocol", "body") and keyword != "extension":
                    name = inside[1] + "." + name
                pending = (keyword, name, is_public or keyword == "extension", inherited)
                types.append((keyword, name, inherited))
            if inside and inside[0] == "protocol" and keyword in DECL_KEYWORDS[5:]:
                protocol_requirements.setdefault(inside[1], set()).add(member_key(keyword, rest, code))
            in_function = inside is not None and inside[0] == "body"
            if is_public and keyword != "extension" and not in_function:
                enclosing_public = all(s[2] for s in stack if s[0] != "body")
                decls.append({"line": index + 1, "text": lines[index].strip(), "keyword": keyword,
                              "key": member_key(keyword, rest, code), "type": inside[1] if inside else None,
                              "type_kind": inside[0] if inside else None, "public_context": enclosing_public,
                              "documented": documented(lines, code_lines, index)})
        for ch in code:
            if ch == "{":
                depth += 1
                if pending:
                    stack.append((pending[0], pending[1], pending[2], depth))
                    pending = None
                else:
                    stack.append(("body", None, True, depth))
            elif ch == "}":
                if stack and stack[-1][3] == depth:
                    stack.pop()
                depth -= 1
    if depth != 0:
        print(f"doc_coverage: {path}: braces do not balance ({depth}); its results may be wrong", file=sys.stderr)
    return decls, types, protocol_requirements


def documented(lines, code_lines, index):
    j = index - 1
    while j >= 0:
        stripped = lines[j].strip()
        if stripped.startswith("///"):
            return True
        if stripped.endswith("*/"):
            k = j
            while k >= 0 and "/*" not in lines[k]:
                k -= 1
            return k >= 0 and "/**" in lines[k]
        if ATTRIBUTE_LINE.match(code_lines[j]) and stripped.startswith("@"):
            j -= 1
            continue
        return False
    return False


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--strict", action="store_true", help="exit 1 when any public declaration lacks ///")
    parser.add_argument("--summary", action="store_true", help="print only the counts per module")
    args = parser.parse_args()

    sources = os.path.join(ROOT, "Sources")
    files = []
    for dirpath, _, names in os.walk(sources):
        for name in sorted(names):
            rel = os.path.relpath(os.path.join(dirpath, name), ROOT)
            if name.endswith(".swift") and rel not in GENERATED:
                files.append(rel)
    files.sort()

    parsed = {rel: parse_file(os.path.join(ROOT, rel)) for rel in files}
    requirements, inherits, conforms = {}, {}, {}
    for decls, types, reqs in parsed.values():
        for proto, keys in reqs.items():
            requirements.setdefault(proto, set()).update(keys)
        for keyword, name, inherited in types:
            target = inherits if keyword == "protocol" else conforms
            target.setdefault(name, set()).update(inherited)
            if keyword != "protocol":
                conforms.setdefault(name.split(".")[-1], set()).update(inherited)

    def protocol_keys(protocols, seen=None):
        seen = set() if seen is None else seen
        keys = set()
        for proto in protocols:
            if proto in seen:
                continue
            seen.add(proto)
            keys |= requirements.get(proto, set())
            keys |= protocol_keys(inherits.get(proto, set()), seen)
        return keys

    missing, totals = {}, {rel.split("/")[1]: 0 for rel in files}
    for rel, (decls, _, _) in parsed.items():
        module = rel.split("/")[1]
        for decl in decls:
            if not decl["public_context"]:
                continue
            key, owner = decl["key"], decl["type"]
            if key in WELL_KNOWN:
                continue
            if owner is not None:
                if owner in requirements or owner in inherits:            # extension of a protocol
                    owned = protocol_keys([owner])
                else:
                    owned = protocol_keys(conforms.get(owner, set()) | conforms.get(owner.split(".")[-1], set()))
                if key in owned:
                    continue
            totals[module] = totals.get(module, 0) + 1
            if not decl["documented"]:
                missing.setdefault(module, []).append(f"{rel}:{decl['line']}: {decl['text'][:100]}")

    if not args.summary:
        for module in sorted(missing):
            print(f"== {module}")
            for entry in missing[module]:
                print("  " + entry)
    count = 0
    print(f"{'module':<20} {'undocumented':>12} {'public':>7}")
    for module in sorted(totals):
        undocumented = len(missing.get(module, []))
        count += undocumented
        print(f"{module:<20} {undocumented:>12} {totals[module]:>7}")
    print(f"{'total':<20} {count:>12} {sum(totals.values()):>7}")
    return 1 if args.strict and count else 0


if __name__ == "__main__":
    sys.exit(main())
