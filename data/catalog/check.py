#!/usr/bin/env python3
"""Validate the Daiban item catalog (data/catalog/default.toml).

Usage:  python3 data/catalog/check.py [path/to/catalog.toml] [--city path/to/city.toml]

Run from the repository root (paths default to this file's directory). Python 3.11+ standard
library only (tomllib). Prints a one-line summary and exits 0 when every rule holds; otherwise
prints one "ERROR:" line per violation to stderr and exits 1.

Rules checked (the format is described in data/catalog/README.md)
  file       only the tables [catalog] and [[item]]; [catalog] has exactly version (integer >= 1),
             title, title_en, region (6 digits), effective (YYYY-MM-DD), notes.
  item keys  only the known keys; every required key present with the right type
             (integers are not booleans; lists hold strings).
  code       XH-<department without "D-">-NNN, unique, matching the item's department.
  text       name, source_note, legal_basis, fee and non-empty applies_when contain Chinese;
             name_en is printable ASCII.
  department lead department and every co-department is a unit with kind = "department" in
             data/demo/city.toml.
  type       immediate | committed | upward | joint.
             co_departments: non-empty for joint, without duplicates and without the lead;
             empty for every other type.
             report_up_limit_days: required (>= 1) for upward, absent otherwise, and not more
             than committed_limit_days.
  limits     committed_limit_days >= 0; 0 for immediate, >= 1 otherwise;
             statutory_limit_days >= 1 when present; committed <= statutory;
             warning_threshold_days >= 0, 0 for immediate, and below the limit the clock runs
             on (report_up for upward, committed otherwise).
  source     limits_source in sourced | estimated.
  stage      registration | approval | land_planning | construction_permit | construction |
             completion | production | post_production.
  prereqs    every prerequisite exists, is not the item itself, is listed once; the graph has no
             cycle; a prerequisite's stage is not later than the dependent's stage.
  materials  at least 1 per item; only the known keys, all present; code M01..M99 unique within
             the item; Chinese name, no catch-all "其他材料"; format original | copy |
             original_and_copy | electronic; copies integer >= 1; source 申请人自备 |
             政务服务网下载 | 中介机构编制 | 前置事项批复; deferrable and promise_allowed booleans.
  size       at least 30 items.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
import tomllib
from collections import Counter
from pathlib import Path

CATALOG_KEYS = {"version", "title", "title_en", "region", "effective", "notes"}
ITEM_REQUIRED = {
    "code", "name", "name_en", "department", "type", "co_departments", "committed_limit_days",
    "limits_source", "source_note", "legal_basis", "stage", "prerequisites", "applies_when",
    "fee", "material",
}
ITEM_OPTIONAL = {"statutory_limit_days", "report_up_limit_days", "warning_threshold_days"}
MATERIAL_KEYS = {"code", "name", "format", "copies", "source", "deferrable", "promise_allowed"}

TYPES = ("immediate", "committed", "upward", "joint")
STAGES = ("registration", "approval", "land_planning", "construction_permit", "construction",
          "completion", "production", "post_production")
LIMIT_SOURCES = ("sourced", "estimated")
FORMATS = ("original", "copy", "original_and_copy", "electronic")
MATERIAL_SOURCES = ("申请人自备", "政务服务网下载", "中介机构编制", "前置事项批复")
CATCH_ALL = ("其他材料", "其它材料", "其他相关材料", "其它相关材料")
MIN_ITEMS = 30

STRING_KEYS = {"code", "name", "name_en", "department", "type", "limits_source", "source_note",
               "legal_basis", "stage", "applies_when", "fee"}
INT_KEYS = {"committed_limit_days", "statutory_limit_days", "report_up_limit_days",
            "warning_threshold_days"}
LIST_KEYS = {"co_departments", "prerequisites"}

RE_ITEM_CODE = re.compile(r"XH-([A-Z0-9_]+)-(\d{3})")
RE_MATERIAL_CODE = re.compile(r"M\d{2}")
RE_REGION = re.compile(r"\d{6}")
RE_CJK = re.compile(r"[\u4e00-\u9fff]")
RE_ASCII = re.compile(r"[\x20-\x7e]+")


def is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def load_departments(city_path: Path) -> set[str]:
    with city_path.open("rb") as f:
        city = tomllib.load(f)
    return {u["code"] for u in city.get("units", [])
            if isinstance(u, dict) and u.get("kind") == "department" and "code" in u}


class Checker:
    def __init__(self, data: dict, departments: set[str]) -> None:
        self.d = data
        self.depts = departments
        self.errors: list[str] = []

    def err(self, msg: str) -> None:
        self.errors.append(msg)

    # ------------------------------------------------------------------ [catalog]

    def check_header(self) -> None:
        extra = set(self.d) - {"catalog", "item"}
        if extra:
            self.err(f"unknown top-level key(s) {sorted(extra)}")
        cat = self.d.get("catalog")
        if not isinstance(cat, dict):
            self.err("missing [catalog] table")
            return
        for k in sorted(set(cat) - CATALOG_KEYS):
            self.err(f"[catalog]: unknown key {k!r}")
        for k in sorted(CATALOG_KEYS - set(cat)):
            self.err(f"[catalog]: missing key {k!r}")
        v = cat.get("version")
        if "version" in cat and not (is_int(v) and v >= 1):
            self.err(f"[catalog].version must be an integer >= 1, found {v!r}")
        for k in ("title", "title_en", "notes", "region", "effective"):
            if k in cat and not (isinstance(cat[k], str) and cat[k].strip()):
                self.err(f"[catalog].{k} must be a non-empty string")
        if isinstance(cat.get("title"), str) and not RE_CJK.search(cat["title"]):
            self.err("[catalog].title must be Chinese")
        if isinstance(cat.get("title_en"), str) and not RE_ASCII.fullmatch(cat["title_en"]):
            self.err("[catalog].title_en must be printable ASCII")
        if isinstance(cat.get("region"), str) and not RE_REGION.fullmatch(cat["region"]):
            self.err(f"[catalog].region must be a 6-digit region code, found {cat['region']!r}")
        eff = cat.get("effective")
        if isinstance(eff, str):
            try:
                dt.date.fromisoformat(eff)
                if len(eff) != 10:
                    raise ValueError
            except ValueError:
                self.err(f"[catalog].effective must be a date YYYY-MM-DD, found {eff!r}")

    # ------------------------------------------------------------------ [[item]]

    def check_item_shape(self, i: int, it: dict) -> str:
        """Key set and value types. Returns a label for messages."""
        label = f"item {it.get('code', f'#{i + 1}')}"
        for k in sorted(set(it) - ITEM_REQUIRED - ITEM_OPTIONAL):
            self.err(f"{label}: unknown key {k!r}")
        for k in sorted(ITEM_REQUIRED - set(it)):
            self.err(f"{label}: missing key {k!r}")
        for k in STRING_KEYS & set(it):
            if not isinstance(it[k], str):
                self.err(f"{label}: {k} must be a string, found {it[k]!r}")
            elif k != "applies_when" and not it[k].strip():
                self.err(f"{label}: {k} must not be empty")
        for k in INT_KEYS & set(it):
            if not is_int(it[k]):
                self.err(f"{label}: {k} must be an integer, found {it[k]!r}")
        for k in LIST_KEYS & set(it):
            if not (isinstance(it[k], list) and all(isinstance(x, str) for x in it[k])):
                self.err(f"{label}: {k} must be a list of strings, found {it[k]!r}")
        return label

    def s(self, it: dict, k: str) -> str | None:
        v = it.get(k)
        return v if isinstance(v, str) else None

    def n(self, it: dict, k: str) -> int | None:
        v = it.get(k)
        return v if is_int(v) else None

    def l(self, it: dict, k: str) -> list[str]:
        v = it.get(k)
        return v if isinstance(v, list) and all(isinstance(x, str) for x in v) else []

    def check_item(self, label: str, it: dict) -> None:
        code, dept, typ = self.s(it, "code"), self.s(it, "department"), self.s(it, "type")

        # code and department
        if dept is not None and dept not in self.depts:
            self.err(f"{label}: department {dept!r} is not a department unit in the city file")
        if code is not None:
            m = RE_ITEM_CODE.fullmatch(code)
            if not m:
                self.err(f"{label}: code must look like XH-<DEPT>-NNN")
            elif dept is not None and dept.startswith("D-") and m.group(1) != dept[2:]:
                self.err(f"{label}: code department part {m.group(1)!r} does not match "
                         f"department {dept!r} (expected XH-{dept[2:]}-NNN)")

        # text
        for k in ("name", "source_note", "legal_basis", "fee"):
            v = self.s(it, k)
            if v and not RE_CJK.search(v):
                self.err(f"{label}: {k} must be Chinese")
        aw = self.s(it, "applies_when")
        if aw and not RE_CJK.search(aw):
            self.err(f"{label}: applies_when must be empty or a Chinese condition")
        ne = self.s(it, "name_en")
        if ne and not RE_ASCII.fullmatch(ne):
            self.err(f"{label}: name_en must be printable ASCII")

        # type and co-departments
        if typ is not None and typ not in TYPES:
            self.err(f"{label}: type {typ!r} is not one of {', '.join(TYPES)}")
        co = self.l(it, "co_departments")
        if typ == "joint":
            if not co:
                self.err(f"{label}: a joint item must list its co_departments")
        elif co:
            self.err(f"{label}: co_departments is only for joint items (type is {typ!r})")
        for c, cnt in Counter(co).items():
            if cnt > 1:
                self.err(f"{label}: co-department {c!r} listed {cnt} times")
        for c in co:
            if c == dept:
                self.err(f"{label}: co_departments must not contain the lead department {c!r}")
            elif c not in self.depts:
                self.err(f"{label}: co-department {c!r} is not a department unit in the city file")

        # limits
        committed = self.n(it, "committed_limit_days")
        statutory = self.n(it, "statutory_limit_days")
        report_up = self.n(it, "report_up_limit_days")
        warning = self.n(it, "warning_threshold_days")
        if committed is not None:
            if committed < 0:
                self.err(f"{label}: committed_limit_days must be >= 0")
            if typ == "immediate" and committed != 0:
                self.err(f"{label}: an immediate item has committed_limit_days = 0 "
                         f"(same working day), found {committed}")
            if typ in ("committed", "upward", "joint") and committed < 1:
                self.err(f"{label}: a {typ} item needs committed_limit_days >= 1")
        if statutory is not None:
            if statutory < 1:
                self.err(f"{label}: statutory_limit_days must be >= 1 (omit the key when the "
                         f"item has no statutory limit)")
            if committed is not None and committed > statutory:
                self.err(f"{label}: committed limit {committed} exceeds statutory limit "
                         f"{statutory}")
        if typ == "upward":
            if "report_up_limit_days" not in it:
                self.err(f"{label}: an upward item needs report_up_limit_days")
            elif report_up is not None:
                if report_up < 1:
                    self.err(f"{label}: report_up_limit_days must be >= 1")
                if committed is not None and report_up > committed:
                    self.err(f"{label}: report_up_limit_days {report_up} exceeds the local "
                             f"committed limit {committed}")
        elif "report_up_limit_days" in it:
            self.err(f"{label}: report_up_limit_days is only for upward items "
                     f"(type is {typ!r})")
        if warning is not None:
            if warning < 0:
                self.err(f"{label}: warning_threshold_days must be >= 0")
            if typ == "immediate" and warning != 0:
                self.err(f"{label}: an immediate item takes no warning threshold (omit it)")
            clock = report_up if typ == "upward" else committed
            if typ != "immediate" and clock is not None and warning >= clock:
                self.err(f"{label}: warning_threshold_days {warning} must be below the limit "
                         f"the clock runs on ({clock}), else the item is yellow from day 0")

        ls = self.s(it, "limits_source")
        if ls is not None and ls not in LIMIT_SOURCES:
            self.err(f"{label}: limits_source {ls!r} is not one of {', '.join(LIMIT_SOURCES)}")
        st = self.s(it, "stage")
        if st is not None and st not in STAGES:
            self.err(f"{label}: stage {st!r} is not one of {', '.join(STAGES)}")

        # materials
        mats = it.get("material")
        if "material" in it and not isinstance(mats, list):
            self.err(f"{label}: material must be an array of tables ([[item.material]])")
            mats = []
        if isinstance(mats, list) and not mats:
            self.err(f"{label}: every item needs at least 1 material")
        seen: set[str] = set()
        for j, mt in enumerate(mats or []):
            if not isinstance(mt, dict):
                self.err(f"{label}: material #{j + 1} is not a table")
                continue
            ml = f"{label} material {mt.get('code', f'#{j + 1}')}"
            for k in sorted(set(mt) - MATERIAL_KEYS):
                self.err(f"{ml}: unknown key {k!r}")
            for k in sorted(MATERIAL_KEYS - set(mt)):
                self.err(f"{ml}: missing key {k!r}")
            mc = mt.get("code")
            if "code" in mt:
                if not (isinstance(mc, str) and RE_MATERIAL_CODE.fullmatch(mc)):
                    self.err(f"{ml}: code must look like M01")
                elif mc in seen:
                    self.err(f"{ml}: material code {mc!r} repeated within the item")
                else:
                    seen.add(mc)
            nm = mt.get("name")
            if "name" in mt:
                if not (isinstance(nm, str) and RE_CJK.search(nm)):
                    self.err(f"{ml}: name must be a Chinese string")
                elif any(c in nm for c in CATCH_ALL):
                    self.err(f"{ml}: catch-all material {nm!r}; name the real document")
            if "format" in mt and mt["format"] not in FORMATS:
                self.err(f"{ml}: format {mt['format']!r} is not one of {', '.join(FORMATS)}")
            if "copies" in mt and not (is_int(mt["copies"]) and mt["copies"] >= 1):
                self.err(f"{ml}: copies must be an integer >= 1, found {mt['copies']!r}")
            if "source" in mt and mt["source"] not in MATERIAL_SOURCES:
                self.err(f"{ml}: source {mt['source']!r} is not one of "
                         f"{' / '.join(MATERIAL_SOURCES)}")
            for k in ("deferrable", "promise_allowed"):
                if k in mt and not isinstance(mt[k], bool):
                    self.err(f"{ml}: {k} must be true or false")

    # ------------------------------------------------------------------ prerequisites

    def check_graph(self, items: list[dict]) -> None:
        by_code: dict[str, dict] = {}
        for it in items:
            c = it.get("code")
            if isinstance(c, str):
                if c in by_code:
                    self.err(f"item code {c!r} is used more than once")
                else:
                    by_code[c] = it
        edges: dict[str, list[str]] = {}
        for code, it in by_code.items():
            pre = self.l(it, "prerequisites")
            for p, cnt in Counter(pre).items():
                if cnt > 1:
                    self.err(f"item {code}: prerequisite {p!r} listed {cnt} times")
            edges[code] = []
            for p in dict.fromkeys(pre):
                if p == code:
                    self.err(f"item {code}: lists itself as a prerequisite")
                elif p not in by_code:
                    self.err(f"item {code}: prerequisite {p!r} does not exist")
                else:
                    edges[code].append(p)
                    ps, cs = by_code[p].get("stage"), it.get("stage")
                    if ps in STAGES and cs in STAGES and STAGES.index(ps) > STAGES.index(cs):
                        self.err(f"item {code} ({cs}): prerequisite {p} is in a later stage "
                                 f"({ps})")
        # cycle detection (iterative DFS, white/grey/black)
        colour = dict.fromkeys(edges, 0)
        for start in edges:
            if colour[start]:
                continue
            stack: list[tuple[str, int]] = [(start, 0)]
            path: list[str] = [start]
            colour[start] = 1
            while stack:
                node, idx = stack[-1]
                if idx < len(edges[node]):
                    stack[-1] = (node, idx + 1)
                    nxt = edges[node][idx]
                    if colour[nxt] == 1:
                        cyc = path[path.index(nxt):] + [nxt]
                        self.err("prerequisite cycle: " + " -> ".join(cyc))
                    elif colour[nxt] == 0:
                        colour[nxt] = 1
                        stack.append((nxt, 0))
                        path.append(nxt)
                else:
                    colour[node] = 2
                    stack.pop()
                    path.pop()

    # ------------------------------------------------------------------ run

    def run(self) -> str:
        self.check_header()
        items = self.d.get("item")
        if not isinstance(items, list):
            self.err("no [[item]] entries")
            items = []
        items = [it for it in items if isinstance(it, dict)]
        if len(items) < MIN_ITEMS:
            self.err(f"the catalog has {len(items)} items, at least {MIN_ITEMS} are required")
        for i, it in enumerate(items):
            label = self.check_item_shape(i, it)
            self.check_item(label, it)
        self.check_graph(items)

        stages = Counter(it.get("stage") for it in items)
        types = Counter(it.get("type") for it in items)
        srcs = Counter(it.get("limits_source") for it in items)
        mats = [m for it in items for m in (it.get("material") or []) if isinstance(m, dict)]
        depts = {it.get("department") for it in items}
        version = (self.d.get("catalog") or {}).get("version")
        return (
            f"OK catalog v{version}: {len(items)} items in {len(depts)} departments "
            f"(stages: " + ", ".join(f"{s} {stages[s]}" for s in STAGES)
            + "; types: " + ", ".join(f"{t} {types[t]}" for t in TYPES)
            + f"); limits sourced {srcs['sourced']}, estimated {srcs['estimated']}; "
            f"{len(mats)} materials ({sum(bool(m.get('deferrable')) for m in mats)} deferrable, "
            f"{sum(bool(m.get('promise_allowed')) for m in mats)} promise-allowed)"
        )


def main(argv: list[str]) -> int:
    here = Path(__file__).resolve().parent
    city_path = here.parent / "demo" / "city.toml"
    args: list[str] = []
    it = iter(argv)
    for a in it:
        if a == "--city":
            try:
                city_path = Path(next(it))
            except StopIteration:
                print("ERROR: --city needs a path", file=sys.stderr)
                return 1
        else:
            args.append(a)
    path = Path(args[0]) if args else here / "default.toml"
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as e:
        print(f"ERROR: cannot load {path}: {e}", file=sys.stderr)
        return 1
    try:
        departments = load_departments(city_path)
    except (OSError, tomllib.TOMLDecodeError, TypeError) as e:
        print(f"ERROR: cannot load the department list from {city_path}: {e}", file=sys.stderr)
        return 1
    if not departments:
        print(f"ERROR: {city_path} has no units with kind = \"department\"", file=sys.stderr)
        return 1
    checker = Checker(data, departments)
    summary = checker.run()
    if checker.errors:
        for m in checker.errors:
            print(f"ERROR: {m}", file=sys.stderr)
        print(f"{path}: {len(checker.errors)} violation(s)", file=sys.stderr)
        return 1
    print(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
