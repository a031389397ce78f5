"""Secrets for the tests that check no output of agentsync holds one, and configs that put them
where a diagnostic, a message or a diff would otherwise show them."""

from __future__ import annotations

from typing import NamedTuple


class Sample(NamedTuple):
    name: str
    value: str  # what the config holds
    secret: str  # the part that must never be shown
    shaped: bool  # recognisable by its shape alone, wherever it is

    def leaked_in(self, text: str) -> bool:
        """Whether ``text`` holds the secret, or a long piece of it (a cut-off token)."""
        pieces = {self.secret, self.secret[:12], self.secret[-12:]}
        return any(piece in text for piece in pieces)


SAMPLES = [
    Sample("github-token", *(["ghp_" + "a1B2c3D4e5" * 4] * 2), shaped=True),
    Sample("aws-key", *(["AKIAZ7QW3ER5TY8UI0OP"] * 2), shaped=True),
    Sample("postgres-url", "postgres://app:Pw0rd-hunter2-x@db/app", "Pw0rd-hunter2-x", shaped=True),
    Sample("generic-token", *(["zq8Xv2LmN4pR7sT1uW3yB5cD6eFgH0jK"] * 2), shaped=False),
]
SAMPLE_IDS = [sample.name for sample in SAMPLES]


HEADER = "ellipsis: {}\nclaude:\n  system: hi\n"
PIN = "8264019375"


def leaky_config(sample: Sample) -> tuple[str, list[tuple[str, int]]]:
    """A config that puts ``sample`` where diagnostics are reported, and the ``(rule, line)``
    of each diagnostic it must get.

    Each variable is named like a secret (``*_TOKEN``), so whatever the value looks like, it is
    one; it sits on a misspelt key, in a list, in a flow mapping, split over two lines, in a
    mapping, in a block scalar, or is a number. A secret-shaped value also goes where a
    message would echo it (a type error, a JSON Schema error, a key, a compute size), into a
    block scalar's line, and into a double-quoted string split over two lines.
    """
    value = sample.value
    lines = [
        "ellipsis: {}",
        "claude:",
        "  system: hi",
        "sandbox:",
        "  variables:",
        "    - name: API_TOKEN",
        f"      valeu: {value}",  # 7
        "    - name: LIST_TOKEN",
        f"      value: [{value}]",  # 9
        f"    - {{name: FLOW_TOKEN, value: {value}, bogus: 1}}",  # 10
        f'    - {{name: SPLIT_TOKEN, value: "{value[:12]}\\',  # 11
        f'        {value[12:]}", bogus: 1}}',  # 12: the value's second line
        "    - name: MAP_TOKEN",
        "      value:",
        f"        nested: {value}",  # 15
        f"    - {{name: PIN_TOKEN, value: {PIN}}}",  # 16
        "    - name: BLOCK_TOKEN",
        "      value: |",  # 18
        f"        {value}",
    ]
    expected = [
        ("unknown-key", 7),
        ("type", 9),
        ("hardcoded-secret", 10),
        ("unknown-key", 10),
        ("hardcoded-secret", 11),
        ("unknown-key", 12),
        ("type", 15),
        ("type", 16),
        ("hardcoded-secret", 18),
    ]
    if sample.shaped:
        lines += [
            "  image:",
            "    dockerfile_append: |",
            "      RUN true",
            f"      ENV TOKEN={value}",  # 23
            "  compute:",
            f"    memory: {value}",  # 25
            "limits:",
            f"  run: {value}",  # 27
            "structured_output:",
            f"  json_schema: {{type: object, required: {value}}}",  # 29
            f"{value}: 1",  # 30
            f'notes: "{value[:16]}\\',  # 31: no line holds the whole token
            f'  {value[16:]}"',
        ]
        expected += [
            ("dockerfile-append", 23),
            ("sandbox-compute", 25),
            ("type", 27),
            ("json-schema", 29),
            ("unknown-key", 30),
            ("unknown-key", 31),
        ]
    return "\n".join(lines) + "\n", sorted(expected, key=lambda item: (item[1], item[0]))
