"""Reading the DOT source that ``autograd_core.viz`` writes, for the tests:
nodes (id → attributes, label lines, enclosing cluster labels) and edges."""
import re

ATTR = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|[^\s"\]]+)')
NODE = re.compile(r"^(\w+) \[(.*)\]$")
EDGE = re.compile(r"^(\w+) -> (\w+)(?: \[(.*)\])?$")


def attrs(text):
    out = {}
    for k, v in ATTR.findall(text or ""):
        if v.startswith('"'):
            v = v[1:-1].replace('\\"', '"')
        out[k] = v
    return out


class Dot:
    def __init__(self, source):
        self.nodes, self.edges, self.clusters = {}, [], []
        stack = []
        for raw in source.splitlines():
            line = raw.strip()
            if line.startswith("subgraph"):
                stack.append(None)
                continue
            if line == "}":
                if stack:
                    stack.pop()
                continue
            m = EDGE.match(line)
            if m:
                self.edges.append((m.group(1), m.group(2), attrs(m.group(3))))
                continue
            m = NODE.match(line)
            if m and m.group(1) not in ("graph", "node", "edge"):
                a = attrs(m.group(2))
                a["lines"] = a.get("label", m.group(1)).split("\\n")
                a["clusters"] = [c for c in stack]
                self.nodes[m.group(1)] = a
                continue
            if stack and stack[-1] is None and "label=" in line:
                stack[-1] = attrs(line)["label"]
                self.clusters.append((stack[-1], stack[:-1]))

    def title(self, nid):
        """The first line of a node's label."""
        return self.nodes[nid]["lines"][0]

    def ids(self, title):
        return [n for n in self.nodes if self.title(n) == title]

    def id(self, title):
        found = self.ids(title)
        assert len(found) == 1, (title, found)
        return found[0]

    def named_edges(self):
        """Edges as (source title, target title), sorted (parallel edges kept)."""
        return sorted((self.title(a), self.title(b)) for a, b, _ in self.edges)

    def edge(self, a, b):
        """The attributes of the single edge from the node titled a to b."""
        found = [e for s, d, e in self.edges if self.title(s) == a and self.title(d) == b]
        assert len(found) == 1, (a, b, found)
        return found[0]

    def cluster(self, nid):
        """The innermost cluster label around a node (None at top level)."""
        c = self.nodes[nid]["clusters"]
        return c[-1] if c else None
