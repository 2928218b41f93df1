"""SARIF 2.1.0 for GitHub code scanning: every finding code as a rule, a result per finding.

Code scanning matches a result to a file of the repository by its path from the
repository root, whatever folder budget-check ran in.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from .. import __version__
from ..checks.check import FileResult
from ..findings import Finding, Location, Rule
from ..project.config import project_root
from ..records import TYPE_CHECKING
from ..rules import RULES
from . import Reporter, path_in_repository
from .escaping import json_text
from .text import finding_details

if TYPE_CHECKING:
    from typing import Any

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/budget-check/budget-check"
SOURCE_ROOT = "%SRCROOT%"
RULE_INDEX = {code: index for index, code in enumerate(RULES)}


class SarifReporter(Reporter):
    def report(self, files: list[FileResult]) -> None:
        root = project_root(Path.cwd())
        run = {
            "tool": {
                "driver": {
                    "name": "budget-check",
                    "informationUri": INFORMATION_URI,
                    "version": __version__,
                    "rules": [sarif_rule(rule) for rule in RULES.values()],
                }
            },
            # The URI of "/" already ends with a slash; every other folder's needs one added.
            "originalUriBaseIds": {SOURCE_ROOT: {"uri": root.as_uri().rstrip("/") + "/"}},
            "results": [
                sarif_result(spec.file, finding, root)
                for file in files
                for spec in file.specs
                for finding in spec.findings
            ],
        }
        self.stream.write(json_text({"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}))


def sarif_rule(rule: Rule) -> dict[str, Any]:
    description = {"text": rule.help}
    return {
        "id": rule.code,
        "name": "".join(word.capitalize() for word in rule.name.split("-")),  # SARIF names are PascalCase
        "shortDescription": description,
        "fullDescription": description,
        "help": description,
        "defaultConfiguration": {"level": rule.severity},  # error, warning and note are SARIF levels
    }


def sarif_result(file: str, finding: Finding, root: Path) -> dict[str, Any]:
    return {
        "ruleId": finding.code,
        "ruleIndex": RULE_INDEX[finding.code],
        "level": finding.severity,  # error, warning and note are SARIF levels too
        "message": {"text": "\n".join([finding.message, *finding_details(finding, file)])},
        "locations": [{"physicalLocation": physical_location(file, finding.location, root)}],
        **(
            {
                "relatedLocations": [
                    {
                        "id": index,
                        "message": {"text": related.message},
                        "physicalLocation": physical_location(file, related.location, root),
                    }
                    for index, related in enumerate(finding.related)
                ]
            }
            if finding.related
            else {}
        ),
    }


def physical_location(file: str, location: Location, root: Path) -> dict[str, Any]:
    return {
        "artifactLocation": artifact_location(file, root),
        "region": {"startLine": location.line, "startColumn": location.column},
    }


def artifact_location(file: str, root: Path) -> dict[str, str]:
    """`file` from the repository root; a file outside it by its absolute URI."""
    relative = path_in_repository(file, root)
    if relative is None:
        return {"uri": (Path.cwd() / file).as_uri()}
    # The bytes of a file name that is not UTF-8 are kept as surrogates; they go back to bytes.
    return {"uri": quote(relative, errors="surrogateescape"), "uriBaseId": SOURCE_ROOT}
