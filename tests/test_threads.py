"""Threads: grouping new messages, and reply trees for display (broken, looping references)."""

from __future__ import annotations

from regtrack.threads import group_threads, missing_ancestors, reply_tree


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


def test_a_batch_without_known_ids_gets_new_threads_from_the_next_number() -> None:
    grouping = group_threads([("a", ()), ("b", ("a",)), ("c", ())], {}, next_thread=7)
    assert grouping.assigned == {"a": 7, "b": 7, "c": 8}
    assert grouping.merged == {}


def test_a_reply_to_a_missing_ancestor_joins_the_thread_that_names_it() -> None:
    grouping = group_threads([("r2", ("ghost",))], {"ghost": 3}, next_thread=9)
    assert grouping.assigned == {"r2": 3, "ghost": 3}


def test_a_message_joining_two_threads_merges_them_into_the_lower_number() -> None:
    grouping = group_threads([("c", ("a", "b"))], {"a": 5, "b": 2}, next_thread=9)
    assert grouping.assigned == {"a": 2, "b": 2, "c": 2}
    assert grouping.merged == {5: 2}


def test_reference_loops_end() -> None:
    grouping = group_threads([("a", ("b",)), ("b", ("a",))], {}, next_thread=1)
    assert grouping.assigned == {"a": 1, "b": 1}
