"""Write datapackage.json of the starter catalogue from its three CSV tables (run after editing them):
``python scripts/build_starter_catalogue.py``. The result is validated like any package."""

from __future__ import annotations

import hashlib
import json

from likvard import __version__
from likvard.catalogue import schema
from likvard.catalogue.package import package_hash, read_package
from likvard.catalogue.starter import STARTER_DIR


def main() -> None:
    hashes = {name: hashlib.sha256((STARTER_DIR / schema.FILES[name]).read_bytes()).hexdigest()
              for name in schema.RESOURCES}
    d = schema.package_descriptor(publisher=schema.STARTER_PUBLISHER, title="Likvärds startkatalog",
                                  likvard_version=__version__, created="2026-12-02T00:00:00+00:00", hashes=hashes)
    d["likvard"]["data_hash"] = package_hash(hashes)
    d["likvard"]["skolor_visas"] = False
    (STARTER_DIR / "datapackage.json").write_text(json.dumps(d, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    cat = read_package(STARTER_DIR)
    print(f"{len(cat.types)} insatstyper, {len(cat.evidence)} rader forskningsstöd")


if __name__ == "__main__":
    main()
