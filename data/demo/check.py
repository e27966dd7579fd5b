#!/usr/bin/env python3
"""Validate the Daiban demo city (data/demo/city.toml).

Usage:  python3 data/demo/check.py [path/to/city.toml] [-v]

Python 3.11+ standard library only (tomllib). Prints a one-line summary and exits 0 when every
rule holds; otherwise prints one "ERROR:" line per violation to stderr and exits 1.
With -v it also lists the evaluation findings planted in the data on purpose.

Rules checked
  file      only the tables units, staff, enterprises, enterprise_users; every entry has exactly
            the documented keys (email optional for staff, cadre optional for
            admin/auditor/city_leader/coordinator), with the right types.
  units     code: A-Z 0-9 _ -, at most 32 characters, unique; prefix T-/S-/Z-/D- for
            town/subdistrict/dev_zone/department; kind in the six kinds; unique Chinese name;
            ASCII name_en; landline 0523-8xxxxxxx, unique; address in 兴化;
            agency_window only on town units, center_window only on departments;
            exactly 1 bureau (BUREAU) and 1 service center (CENTER, 兴化市政务服务中心);
            at least 30 town units, 2 or 3 of them without an agency window;
            at least 26 departments, about half (40-60 %) with a service-center window;
            T-DAINAN (戴南镇) and D-FGW (发改委) exist.
  staff     username [a-z0-9._], unique across staff and enterprise users; Chinese name;
            role in the seven staff roles; unit exists and its kind fits the role;
            cadre in the five categories; mobile 1[3-9]xxxxxxxxx, unique across all accounts.
            Each town unit: 2-3 agents and exactly 1 unit_leader (cadre other).
            Each department: exactly 1 helper and exactly 1 unit_leader (cadre other).
            Agents must be young_reserve/station_head, helpers middle_level (or window_head
            when the department has a center window) -- except the planted findings: exactly
            2 agents with cadre other/middle_level and exactly 1 helper with young_reserve.
            Bureau: bureau.coord1..3 (coordinator), bureau.helper1 (helper, middle_level),
            exactly 1 unit_leader; city.leader (分管副市长), sys.admin, sys.auditor, all at BUREAU.
  demo      ent.demo (first enterprise user, enterprise in T-DAINAN), dainan.agent1,
            fgw.helper, dainan.leader, bureau.coord1, city.leader, sys.admin, sys.auditor
            exist with the right role and unit.
  companies USCC valid per GB 32100-2015 (charset, mod-31 check character), prefix 91321281,
            and its organisation code (positions 9-17) valid per GB 11714; unique USCC and
            name; located in a town unit; at least 12 enterprises in at least 6 town units, at
            least 3 in T-DAINAN; every enterprise has at least one user.
"""

from __future__ import annotations

import re
import sys
import tomllib
from collections import Counter, defaultdict
from pathlib import Path

# --------------------------------------------------------------------------- constants

UNIT_KINDS = ("bureau", "service_center", "town", "subdistrict", "dev_zone", "department")
TOWN_KINDS = ("town", "subdistrict", "dev_zone")
CODE_PREFIX = {"town": "T-", "subdistrict": "S-", "dev_zone": "Z-", "department": "D-"}
ROLES = ("agent", "helper", "unit_leader", "coordinator", "city_leader", "admin", "auditor")
CADRES = ("young_reserve", "station_head", "middle_level", "window_head", "other")
CADRE_OPTIONAL = {"admin", "auditor", "city_leader", "coordinator"}
ROLE_UNIT_KINDS = {  # mirrors crates/domain/src/role.rs
    "agent": TOWN_KINDS,
    "helper": ("department", "bureau", "service_center"),
    "unit_leader": TOWN_KINDS + ("department", "bureau", "service_center"),
    "coordinator": ("bureau",),
    "city_leader": ("bureau",),
    "admin": ("bureau", "service_center"),
    "auditor": ("bureau", "service_center"),
}

UNIT_KEYS = {"code", "kind", "name", "name_en", "agency_window", "center_window", "address", "phone"}
STAFF_KEYS = {"username", "name", "role", "unit", "cadre", "phone", "email", "title"}
STAFF_OPTIONAL = {"cadre", "email"}
ENT_KEYS = {"uscc", "name", "unit", "legal_rep", "contact", "phone", "address", "industry"}
EUSER_KEYS = {"username", "name", "enterprise", "phone"}
BOOL_KEYS = {"agency_window", "center_window"}

DEMO_ACCOUNTS = {  # role -> (username, unit code or None)
    "enterprise": ("ent.demo", None),
    "agent": ("dainan.agent1", "T-DAINAN"),
    "helper": ("fgw.helper", "D-FGW"),
    "unit_leader": ("dainan.leader", "T-DAINAN"),
    "coordinator": ("bureau.coord1", "BUREAU"),
    "city_leader": ("city.leader", "BUREAU"),
    "admin": ("sys.admin", "BUREAU"),
    "auditor": ("sys.auditor", "BUREAU"),
}

# Planted evaluation findings (staffing): how many, and which cadres they may use.
PLANTED_AGENTS = 2
PLANTED_AGENT_CADRES = {"other", "middle_level"}
PLANTED_HELPERS = 1
PLANTED_HELPER_CADRE = "young_reserve"
NO_WINDOW_RANGE = (2, 3)

RE_CODE = re.compile(r"[A-Z0-9_-]{1,32}")
RE_USERNAME = re.compile(r"[a-z0-9][a-z0-9._]*")
RE_MOBILE = re.compile(r"1[3-9]\d{9}")
RE_LANDLINE = re.compile(r"0523-8\d{7}")
RE_EMAIL = re.compile(r"[a-z0-9._-]+@[a-z0-9-]+(\.[a-z0-9-]+)+")
RE_PERSON = re.compile(r"[\u4e00-\u9fff]{2,4}")
RE_CJK = re.compile(r"[\u4e00-\u9fff]")

# GB 32100-2015 unified social credit code
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I O S V Z
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
USCC_PREFIX = "91321281"  # 9 market regulation, 1 enterprise, 321281 兴化市
# GB 11714-1997 organisation code (positions 9-17 of the USCC)
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS))
    return USCC_CHARSET[(31 - total % 31) % 31]


def org_check_char(body8: str) -> str:
    total = sum((int(c) if c.isdigit() else ord(c) - ord("A") + 10) * w
                for c, w in zip(body8, ORG_WEIGHTS))
    r = 11 - total % 11
    return {10: "X", 11: "0"}.get(r, str(r))


def uscc_problem(code: str) -> str | None:
    """None if `code` is a valid Xinghua enterprise USCC, else why not."""
    if len(code) != 18:
        return f"has {len(code)} characters, expected 18"
    for i, c in enumerate(code, 1):
        if c not in USCC_CHARSET:
            return f"character {c!r} at position {i} is not allowed (charset {USCC_CHARSET})"
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        return f"check character should be {expected!r}, found {code[17]!r} (GB 32100-2015)"
    if not code.startswith(USCC_PREFIX):
        return f"should start with {USCC_PREFIX} (market regulation, enterprise, 兴化市 321281)"
    oc = org_check_char(code[8:16])
    if code[16] != oc:
        return f"organisation code {code[8:17]} should end in {oc!r} (GB 11714)"
    return None


# --------------------------------------------------------------------------- checker


class Checker:
    def __init__(self, data: dict):
        self.d = data
        self.errors: list[str] = []
        self.findings: list[str] = []

    def err(self, msg: str) -> None:
        self.errors.append(msg)

    # -- structure -----------------------------------------------------------------------
    def entries(self, table: str, required: set[str], optional: set[str] = frozenset()) -> list[dict]:
        rows = self.d.get(table)
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            self.err(f"[[{table}]]: missing or not an array of tables")
            return []
        good = []
        for i, r in enumerate(rows, 1):
            where = f"[[{table}]] #{i} ({r.get('code') or r.get('username') or r.get('uscc') or '?'})"
            extra = set(r) - required - optional
            missing = required - optional - set(r)
            if extra:
                self.err(f"{where}: unknown key(s) {sorted(extra)}")
            if missing:
                self.err(f"{where}: missing key(s) {sorted(missing)}")
            bad_type = [k for k, v in r.items() if k in required | optional
                        and not isinstance(v, bool if k in BOOL_KEYS else str)]
            if bad_type:
                self.err(f"{where}: wrong type for {sorted(bad_type)}")
            if missing or bad_type:
                continue
            blank = [k for k, v in r.items() if isinstance(v, str) and not v.strip()]
            if blank:
                self.err(f"{where}: empty value for {sorted(blank)}")
            good.append(r)
        return good

    def unique(self, label: str, values: list[str]) -> None:
        for v, n in Counter(values).items():
            if n > 1:
                self.err(f"duplicate {label} {v!r} ({n} times)")

    # -- units ---------------------------------------------------------------------------
    def check_units(self, units: list[dict]) -> dict[str, dict]:
        self.unique("unit code", [u["code"] for u in units])
        self.unique("unit name", [u["name"] for u in units])
        by_code = {u["code"]: u for u in units}
        for u in units:
            c, k = u["code"], u["kind"]
            if not RE_CODE.fullmatch(c):
                self.err(f"unit {c!r}: code must be A-Z 0-9 _ - and at most 32 characters")
            if k not in UNIT_KINDS:
                self.err(f"unit {c}: unknown kind {k!r}; expected one of {', '.join(UNIT_KINDS)}")
                continue
            if k in CODE_PREFIX and not c.startswith(CODE_PREFIX[k]):
                self.err(f"unit {c}: a {k} code starts with {CODE_PREFIX[k]}")
            if not RE_CJK.search(u["name"]):
                self.err(f"unit {c}: name {u['name']!r} should be Chinese")
            if not u["name_en"].isascii():
                self.err(f"unit {c}: name_en must be ASCII")
            if not RE_LANDLINE.fullmatch(u["phone"]):
                self.err(f"unit {c}: phone {u['phone']!r} is not a Xinghua landline 0523-8xxxxxxx")
            if "兴化" not in u["address"]:
                self.err(f"unit {c}: address {u['address']!r} is not in 兴化")
            if u["agency_window"] and k not in TOWN_KINDS:
                self.err(f"unit {c}: agency_window applies to town units only, must be false for a {k}")
            if u["center_window"] and k != "department":
                self.err(f"unit {c}: center_window applies to departments only, must be false for a {k}")

        kinds = Counter(u["kind"] for u in units)
        for kind, code in (("bureau", "BUREAU"), ("service_center", "CENTER")):
            if kinds[kind] != 1:
                self.err(f"units: expected exactly 1 {kind}, found {kinds[kind]}")
            if by_code.get(code, {}).get("kind") != kind:
                self.err(f"units: the {kind} must have code {code}")
        if by_code.get("CENTER", {}).get("name") != "兴化市政务服务中心":
            self.err("units: CENTER must be named 兴化市政务服务中心")

        towns = [u for u in units if u["kind"] in TOWN_KINDS]
        if len(towns) < 30:
            self.err(f"units: at least 30 town units required, found {len(towns)}")
        no_window = [u["code"] for u in towns if not u["agency_window"]]
        lo, hi = NO_WINDOW_RANGE
        if not lo <= len(no_window) <= hi:
            self.err(f"units: {lo} or {hi} town units should lack the agency window (planted "
                     f"finding), found {len(no_window)}: {no_window}")
        for c in no_window:
            self.findings.append(f"岗位设置  {c} {by_code[c]['name']}: 未设立项目代办专窗 (agency_window = false)")

        depts = [u for u in units if u["kind"] == "department"]
        if len(depts) < 26:
            self.err(f"units: at least 26 departments required, found {len(depts)}")
        with_cw = sum(u["center_window"] for u in depts)
        if depts and not 0.4 <= with_cw / len(depts) <= 0.6:
            self.err(f"units: about half of the departments should have a center window, "
                     f"found {with_cw} of {len(depts)}")
        for code, kind, word in (("T-DAINAN", "town", "戴南"), ("D-FGW", "department", "发展和改革")):
            u = by_code.get(code)
            if u is None or u["kind"] != kind or word not in u["name"]:
                self.err(f"units: {code} ({kind}, name containing {word}) is required")
        return by_code

    # -- staff ---------------------------------------------------------------------------
    def check_staff(self, staff: list[dict], units: dict[str, dict]) -> None:
        per_unit: dict[str, list[dict]] = defaultdict(list)
        for s in staff:
            who = f"staff {s['username']}"
            if not RE_USERNAME.fullmatch(s["username"]):
                self.err(f"{who}: username may use only a-z 0-9 . _")
            if not RE_PERSON.fullmatch(s["name"]):
                self.err(f"{who}: name {s['name']!r} should be a 2-4 character Chinese name")
            if not RE_MOBILE.fullmatch(s["phone"]):
                self.err(f"{who}: phone {s['phone']!r} is not an 11-digit mobile number")
            if "email" in s and not RE_EMAIL.fullmatch(s["email"]):
                self.err(f"{who}: email {s['email']!r} is malformed")
            if not RE_CJK.search(s["title"]):
                self.err(f"{who}: title should be Chinese")
            role = s["role"]
            if role not in ROLES:
                self.err(f"{who}: unknown role {role!r}; expected one of {', '.join(ROLES)}")
                continue
            if "cadre" in s and s["cadre"] not in CADRES:
                self.err(f"{who}: unknown cadre {s['cadre']!r}; expected one of {', '.join(CADRES)}")
            if "cadre" not in s and role not in CADRE_OPTIONAL:
                self.err(f"{who}: cadre is required for role {role}")
            if role == "unit_leader" and s.get("cadre") != "other":
                self.err(f"{who}: a unit_leader (分管领导) has cadre \"other\"")
            unit = units.get(s["unit"])
            if unit is None:
                self.err(f"{who}: unit {s['unit']!r} does not exist")
                continue
            if unit["kind"] not in ROLE_UNIT_KINDS[role]:
                self.err(f"{who}: role {role} cannot belong to {s['unit']} ({unit['kind']})")
            per_unit[s["unit"]].append(s)

        bad_agents, bad_helpers = [], []
        for code, u in units.items():
            members = per_unit.get(code, [])
            by_role = defaultdict(list)
            for s in members:
                by_role[s["role"]].append(s)
            if u["kind"] in TOWN_KINDS:
                if not 2 <= len(by_role["agent"]) <= 3:
                    self.err(f"unit {code}: expected 2 or 3 agents, found {len(by_role['agent'])}")
                if len(by_role["unit_leader"]) != 1:
                    self.err(f"unit {code}: expected exactly 1 unit_leader, found {len(by_role['unit_leader'])}")
                for s in by_role["agent"]:
                    if s.get("cadre") in PLANTED_AGENT_CADRES:
                        bad_agents.append(s)
                    elif s.get("cadre") not in ("young_reserve", "station_head"):
                        self.err(f"staff {s['username']}: an agent cannot be {s.get('cadre')}")
            elif u["kind"] == "department":
                if len(by_role["helper"]) != 1:
                    self.err(f"unit {code}: expected exactly 1 helper, found {len(by_role['helper'])}")
                if len(by_role["unit_leader"]) != 1:
                    self.err(f"unit {code}: expected exactly 1 unit_leader, found {len(by_role['unit_leader'])}")
                for s in by_role["helper"]:
                    c = s.get("cadre")
                    if c == "middle_level" or (c == "window_head" and u["center_window"]):
                        continue
                    if c == "window_head":
                        self.err(f"staff {s['username']}: window_head, but {code} has no center window")
                    elif c == PLANTED_HELPER_CADRE:
                        bad_helpers.append(s)
                    else:
                        self.err(f"staff {s['username']}: a helper cannot be {c}")

        if len(bad_agents) != PLANTED_AGENTS:
            self.err(f"staff: exactly {PLANTED_AGENTS} agents should have cadre other/middle_level "
                     f"(planted finding), found {[s['username'] for s in bad_agents]}")
        if len(bad_helpers) != PLANTED_HELPERS:
            self.err(f"staff: exactly {PLANTED_HELPERS} department helper should be "
                     f"{PLANTED_HELPER_CADRE} (planted finding), found {[s['username'] for s in bad_helpers]}")
        for s in bad_agents + bad_helpers:
            self.findings.append(f"人员到位  {s['unit']} {units[s['unit']]['name']}: {s['username']} "
                                 f"{s['name']} {s['role']} cadre = {s['cadre']}")

        # bureau and system accounts
        by_name = {s["username"]: s for s in staff}
        fixed = {
            "bureau.coord1": "coordinator", "bureau.coord2": "coordinator",
            "bureau.coord3": "coordinator", "bureau.helper1": "helper",
            "city.leader": "city_leader", "sys.admin": "admin", "sys.auditor": "auditor",
        }
        for uname, role in fixed.items():
            s = by_name.get(uname)
            if s is None or s["role"] != role or s["unit"] != "BUREAU":
                self.err(f"staff: {uname} ({role}, unit BUREAU) is required")
        if by_name.get("bureau.helper1", {}).get("cadre") != "middle_level":
            self.err("staff: bureau.helper1 must be a middle_level cadre")
        if by_name.get("city.leader", {}).get("title") != "分管副市长":
            self.err("staff: city.leader must have title 分管副市长")
        roles = Counter(s["role"] for s in staff)
        for role, n in (("coordinator", 3), ("city_leader", 1), ("admin", 1), ("auditor", 1)):
            if roles[role] != n:
                self.err(f"staff: expected exactly {n} {role}, found {roles[role]}")
        bureau = Counter(s["role"] for s in per_unit.get("BUREAU", []))
        for role, n in (("helper", 1), ("unit_leader", 1)):
            if bureau[role] != n:
                self.err(f"unit BUREAU: expected exactly {n} {role}, found {bureau[role]}")

    # -- enterprises ---------------------------------------------------------------------
    def check_enterprises(self, ents: list[dict], users: list[dict], units: dict[str, dict]) -> None:
        self.unique("USCC", [e["uscc"] for e in ents])
        self.unique("enterprise name", [e["name"] for e in ents])
        for e in ents:
            who = f"enterprise {e['name']}"
            p = uscc_problem(e["uscc"])
            if p:
                self.err(f"{who}: USCC {e['uscc']} {p}")
            u = units.get(e["unit"])
            if u is None:
                self.err(f"{who}: unit {e['unit']!r} does not exist")
            elif u["kind"] not in TOWN_KINDS:
                self.err(f"{who}: unit {e['unit']} is a {u['kind']}, expected a town unit")
            for k in ("legal_rep", "contact"):
                if not RE_PERSON.fullmatch(e[k]):
                    self.err(f"{who}: {k} {e[k]!r} should be a 2-4 character Chinese name")
            if not (RE_LANDLINE.fullmatch(e["phone"]) or RE_MOBILE.fullmatch(e["phone"])):
                self.err(f"{who}: phone {e['phone']!r} is neither 0523-8xxxxxxx nor a mobile")
            if "兴化" not in e["address"]:
                self.err(f"{who}: address {e['address']!r} is not in 兴化")
            if "公司" not in e["name"]:
                self.err(f"{who}: name should be a company name (…公司)")
        if len(ents) < 12:
            self.err(f"enterprises: at least 12 required, found {len(ents)}")
        where = Counter(e["unit"] for e in ents)
        if len(where) < 6:
            self.err(f"enterprises: should spread over at least 6 town units, found {len(where)}")
        if where["T-DAINAN"] < 3:
            self.err(f"enterprises: at least 3 in T-DAINAN required, found {where['T-DAINAN']}")

        by_uscc = {e["uscc"]: e for e in ents}
        for u in users:
            who = f"enterprise user {u['username']}"
            if not RE_USERNAME.fullmatch(u["username"]):
                self.err(f"{who}: username may use only a-z 0-9 . _")
            if not RE_PERSON.fullmatch(u["name"]):
                self.err(f"{who}: name {u['name']!r} should be a 2-4 character Chinese name")
            if not RE_MOBILE.fullmatch(u["phone"]):
                self.err(f"{who}: phone {u['phone']!r} is not an 11-digit mobile number")
            if u["enterprise"] not in by_uscc:
                self.err(f"{who}: enterprise {u['enterprise']!r} does not exist")
        has_user = {u["enterprise"] for u in users}
        for e in ents:
            if e["uscc"] not in has_user:
                self.err(f"enterprise {e['name']}: has no enterprise user")
        if not users or users[0]["username"] != "ent.demo":
            self.err("enterprise_users: the first user must be ent.demo")
        elif by_uscc.get(users[0]["enterprise"], {}).get("unit") != "T-DAINAN":
            self.err("enterprise_users: ent.demo must belong to an enterprise in T-DAINAN")

    # -- accounts across tables ----------------------------------------------------------
    def check_accounts(self, staff: list[dict], users: list[dict], units: dict, ents: list[dict]) -> None:
        self.unique("username", [s["username"] for s in staff] + [u["username"] for u in users])
        self.unique("mobile phone", [s["phone"] for s in staff] + [u["phone"] for u in users])
        self.unique("landline", [u["phone"] for u in units.values()] + [e["phone"] for e in ents])
        by_name = {s["username"]: s for s in staff}
        for role, (uname, unit) in DEMO_ACCOUNTS.items():
            if role == "enterprise":
                if not any(u["username"] == uname for u in users):
                    self.err(f"demo account {uname} (enterprise) is missing")
                continue
            s = by_name.get(uname)
            if s is None:
                self.err(f"demo account {uname} ({role}) is missing")
            elif s["role"] != role or s["unit"] != unit:
                self.err(f"demo account {uname}: expected role {role} at {unit}, "
                         f"found {s['role']} at {s['unit']}")

    def run(self) -> str:
        extra = set(self.d) - {"units", "staff", "enterprises", "enterprise_users"}
        if extra:
            self.err(f"unknown top-level key(s) {sorted(extra)}")
        units = self.entries("units", UNIT_KEYS)
        staff = self.entries("staff", STAFF_KEYS, STAFF_OPTIONAL)
        ents = self.entries("enterprises", ENT_KEYS)
        users = self.entries("enterprise_users", EUSER_KEYS)
        by_code = self.check_units(units)
        self.check_staff(staff, by_code)
        self.check_enterprises(ents, users, by_code)
        self.check_accounts(staff, users, by_code, ents)

        kinds = Counter(u["kind"] for u in units)
        towns = [u for u in units if u["kind"] in TOWN_KINDS]
        depts = [u for u in units if u["kind"] == "department"]
        roles = Counter(s["role"] for s in staff)
        return (
            f"OK {len(units)} units (bureau {kinds['bureau']}, center {kinds['service_center']}, "
            f"{len(towns)} town units [{kinds['town']} towns, {kinds['subdistrict']} subdistricts, "
            f"{kinds['dev_zone']} zones; {sum(not u['agency_window'] for u in towns)} without window], "
            f"{len(depts)} departments [{sum(u['center_window'] for u in depts)} with center window]); "
            f"{len(staff)} staff ("
            + ", ".join(f"{r} {roles[r]}" for r in ROLES)
            + f"); {len(ents)} enterprises in {len({e['unit'] for e in ents})} town units; "
            f"{len(users)} enterprise users; {len(self.findings)} planted findings"
        )


def main(argv: list[str]) -> int:
    verbose = "-v" in argv
    args = [a for a in argv if a != "-v"]
    path = Path(args[0]) if args else Path(__file__).with_name("city.toml")
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as e:
        print(f"ERROR: cannot load {path}: {e}", file=sys.stderr)
        return 1
    checker = Checker(data)
    summary = checker.run()
    if checker.errors:
        for m in checker.errors:
            print(f"ERROR: {m}", file=sys.stderr)
        print(f"{path}: {len(checker.errors)} violation(s)", file=sys.stderr)
        return 1
    print(summary)
    if verbose:
        for f in checker.findings:
            print(f"  finding: {f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
