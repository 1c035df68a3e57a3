"""Links between what regtrack stores: the relation graph (graph.py) and its exports."""
