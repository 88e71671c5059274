"""Harvests an OAI-PMH endpoint with sickle and checks what came back."""
import sys

from lxml import etree
from sickle import Sickle

OAI = "{http://www.openarchives.org/OAI/2.0/}"
# Checks that passed, for the closing line (CI sums every check's count).
passed = 0


def check(condition, message=""):
    global passed
    assert condition, message
    passed += 1


def main():
    endpoint, expected = sys.argv[1], int(sys.argv[2])
    sickle = Sickle(endpoint, max_retries=3)
    identify = sickle.Identify()
    check(identify.protocolVersion == "2.0", identify)
    check(identify.deletedRecord == "persistent")
    formats = [f.metadataPrefix for f in sickle.ListMetadataFormats()]
    check(formats == ["oai_dc"], formats)

    records = list(sickle.ListRecords(metadataPrefix="oai_dc", ignore_deleted=False))
    identifiers = [r.header.identifier for r in records]
    check(len(identifiers) == len(set(identifiers)), "a record came twice")
    check(len(records) == expected, f"harvested {len(records)} records, expected {expected}")
    for record in records:
        check(record.metadata["title"], record.header.identifier)
    headers = list(sickle.ListIdentifiers(metadataPrefix="oai_dc"))
    check(len(headers) == expected)

    # Walk the tokens by hand too: cursor and completeListSize as promised.
    response = sickle.harvest(verb="ListRecords", metadataPrefix="oai_dc")
    seen, pages = 0, 0
    while True:
        tree = etree.fromstring(response.raw.encode("utf-8"))
        token = tree.find(f".//{OAI}resumptionToken")
        count = len(tree.findall(f".//{OAI}record"))
        pages += 1
        if token is None:
            seen += count
            break
        check(int(token.get("cursor")) == seen, (token.get("cursor"), seen))
        check(int(token.get("completeListSize")) == expected)
        seen += count
        if not token.text:
            break
        response = sickle.harvest(verb="ListRecords", resumptionToken=token.text)
    check(seen == expected, (seen, expected))
    print(f"harvested {expected} records in {pages} pages")
    print(f"harvest: {passed} checks ran, 0 failed")


if __name__ == "__main__":
    main()
