"""What every parsed language shares: a node's text and line, and a walk over a tree-sitter tree."""

from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node


def text(node: Node) -> str:
    return (node.text or b"").decode("utf-8", errors="replace")


def line(node: Node) -> int:
    return node.start_point[0] + 1


def walk(node: Node) -> Iterator[Node]:
    """`node` and everything under it, in source order (a tree cursor: no child lists are built)."""
    cursor = node.walk()
    depth = 0
    while True:
        current = cursor.node
        if current is None:  # only a cursor reset to nothing has none
            return
        yield current
        if cursor.goto_first_child():
            depth += 1
            continue
        while depth > 0 and not cursor.goto_next_sibling():
            cursor.goto_parent()
            depth -= 1
        if depth == 0:
            return
