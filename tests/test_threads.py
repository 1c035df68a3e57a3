"""Reply trees for display, including broken and looping references."""

from __future__ import annotations

from regtrack.threads import missing_ancestors, reply_tree


def shape(nodes) -> list[tuple[str, int]]:
    return [(node.msgid, node.depth) for node in nodes]


def test_in_reply_to_makes_the_tree() -> None:
    ids = ["root", "a", "b", "a1"]
    irt = {"root": None, "a": "root", "b": "root", "a1": "a"}
    refs = {"a": ["root"], "b": ["root"], "a1": ["root", "a"]}
    assert shape(reply_tree(ids, irt, refs)) == [("root", 0), ("a", 1), ("a1", 2), ("b", 1)]


def test_missing_parent_falls_back_to_nearest_present_reference() -> None:
    ids = ["root", "child"]
    tree = reply_tree(ids, {"child": "gone"}, {"child": ["root", "gone"]})
    assert shape(tree) == [("root", 0), ("child", 1)]


def test_messages_whose_ancestors_are_all_missing_are_roots() -> None:
    ids = ["x", "y"]
    tree = reply_tree(ids, {"x": "g", "y": "g"}, {"x": ["g"], "y": ["g"]})
    assert shape(tree) == [("x", 0), ("y", 0)]
    assert missing_ancestors(ids, {"x": ["g"], "y": ["g"]}) == ["g"]


def test_loops_are_cut_and_every_message_appears_once() -> None:
    ids = ["a", "b", "c"]
    tree = reply_tree(ids, {"a": "c", "b": "a", "c": "b"}, {})
    assert sorted(node.msgid for node in tree) == ids
