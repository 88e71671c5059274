"""Validates OAI-PMH responses against the protocol's XML Schema, and every
oai_dc record against the oai_dc schema (issue #5).

schemas/OAI-PMH.xsd is the protocol's own schema (as shipped in pyoai's
tests); schemas/oai_dc.xsd and simpledc.xsd restate the oai_dc container and
simple Dublin Core.

Usage: python validate_xsd.py BASE_OAI_URL
"""

import os
import sys
import urllib.parse
import urllib.request

from lxml import etree

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "schemas")
OAI = "{http://www.openarchives.org/OAI/2.0/}"
OAI_DC = "{http://www.openarchives.org/OAI/2.0/oai_dc/}"


def schema(name):
    return etree.XMLSchema(etree.parse(os.path.join(HERE, name)))


def fetch(base, **params):
    url = base + "?" + urllib.parse.urlencode(params)
    with urllib.request.urlopen(url) as response:
        return url, etree.fromstring(response.read())


def main():
    base = sys.argv[1]
    envelope, oai_dc = schema("OAI-PMH.xsd"), schema("oai_dc.xsd")
    checked = {"responses": 0, "records": 0}
    problems = []

    def check(url, document):
        checked["responses"] += 1
        if not envelope.validate(document):
            problems.append(f"{url}: {envelope.error_log.last_error}")
        for dc in document.iter(OAI_DC + "dc"):
            checked["records"] += 1
            if not oai_dc.validate(etree.ElementTree(dc)):
                problems.append(f"{url}: oai_dc: {oai_dc.error_log.last_error}")

    for params in [
        {"verb": "Identify"},
        {"verb": "ListMetadataFormats"},
        {"verb": "ListSets"},
        {"verb": "Bogus"},
        {"verb": "ListRecords"},
        {"verb": "ListRecords", "metadataPrefix": "marc21"},
        {"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": "oai:nowhere:none"},
        {"verb": "ListIdentifiers", "resumptionToken": "not-a-token"},
        {"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2999-01-01T00:00:00Z"},
    ]:
        check(*fetch(base, **params))

    identifiers = []
    for verb in ("ListIdentifiers", "ListRecords"):
        params = {"verb": verb, "metadataPrefix": "oai_dc"}
        while True:
            url, document = fetch(base, **params)
            check(url, document)
            if verb == "ListIdentifiers":
                identifiers += [element.text for element in document.iter(OAI + "identifier")]
            token = document.find(f".//{OAI}resumptionToken")
            if token is None or not (token.text or "").strip():
                break
            params = {"verb": verb, "resumptionToken": token.text}
    for identifier in identifiers[:20]:
        check(*fetch(base, verb="GetRecord", metadataPrefix="oai_dc", identifier=identifier))

    for problem in problems[:20]:
        print(problem)
    print(f"validated {checked['responses']} responses and {checked['records']} oai_dc records")
    ran = checked["responses"] + checked["records"]
    if problems or checked["records"] == 0:
        print(f"xsd: {ran} checks ran, {max(len(problems), 1)} failed")
        sys.exit(1)
    print(f"xsd: {ran} checks ran, 0 failed")


if __name__ == "__main__":
    main()
