"""Checks that docs/embedding.md shows each example program exactly as it is in the tree.

Each program appears in the guide as a fenced block right after a line
`<!-- example: <path from the source root> -->`; the block's text must equal the file's.
Usage: check_embedding_doc.py SOURCE_ROOT (exits 1 naming the first program that differs).
"""

import os
import re
import sys

EXPECTED = [
    "examples/book_and_chat.cc",
    "bindings/c/examples/book_and_chat.c",
    "bindings/python/examples/book_and_chat.py",
]


def blocks(guide):
    """The example blocks of the guide: {path: text}."""
    pattern = re.compile(r"<!-- example: (\S+) -->\n```[a-z+]*\n(.*?)```\n", re.S)
    return {path: text for path, text in pattern.findall(guide)}


def main(root):
    with open(os.path.join(root, "docs", "embedding.md"), encoding="utf-8") as f:
        shown = blocks(f.read())
    status = 0
    for path in EXPECTED:
        with open(os.path.join(root, path), encoding="utf-8") as f:
            actual = f.read()
        if path not in shown:
            print(f"docs/embedding.md does not show {path}")
            status = 1
        elif shown[path] != actual:
            print(f"docs/embedding.md shows another {path} than the tree's: copy it again")
            status = 1
    return status


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))
