"""SCORM 1.2 packages: one SCO for the whole course, IMS Content Packaging 1.1.2 manifest."""

from __future__ import annotations

from lxml import etree

from scorm_export.base import LAUNCH_FILE, Exporter, PackageContent
from scorm_export.manifest import XML_LANG, element, package_files, serialise

IMSCP = "http://www.imsproject.org/xsd/imscp_rootv1p1p2"
ADLCP = "http://www.adlnet.org/xsd/adlcp_rootv1p2"
IMSMD = "http://www.imsglobal.org/xsd/imsmd_rootv1p2p1"
# Moodle matches the literal "adlcp:" prefix, so the prefixes are fixed.
NAMESPACES = {None: IMSCP, "adlcp": ADLCP, "imsmd": IMSMD}


class Scorm12Exporter(Exporter):
    """SCORM 1.2."""

    name = "scorm12"
    api_version = "1.2"

    def manifest(self, content: PackageContent) -> bytes:
        """The SCORM 1.2 manifest: metadata, one organization, one SCO listing every file."""
        course, language = content.course, content.language
        cp = f"{{{IMSCP}}}"
        md = f"{{{IMSMD}}}"
        root = etree.Element(
            cp + "manifest", nsmap=NAMESPACES, identifier=content.identifier, version=course.version
        )
        metadata = element(root, cp + "metadata")
        element(metadata, cp + "schema", "ADL SCORM")
        element(metadata, cp + "schemaversion", "1.2")
        lom = element(metadata, md + "lom")
        general = element(lom, md + "general")
        element(
            element(general, md + "title"), md + "langstring", course.title(language), **{XML_LANG: language}
        )
        element(general, md + "language", language)
        description = element(general, md + "description")
        element(description, md + "langstring", course.summary(language), **{XML_LANG: language})
        lifecycle = element(lom, md + "lifecycle")
        element(element(lifecycle, md + "version"), md + "langstring", course.version, **{XML_LANG: "x-none"})

        organizations = element(root, cp + "organizations", default="ORG-1")
        organization = element(organizations, cp + "organization", identifier="ORG-1")
        element(organization, cp + "title", course.title(language))
        item = element(
            organization, cp + "item", identifier="ITEM-1", identifierref="SCO-1", isvisible="true"
        )
        element(item, cp + "title", course.title(language))

        resources = element(root, cp + "resources")
        resource = element(
            resources, cp + "resource", identifier="SCO-1", type="webcontent", href=LAUNCH_FILE
        )
        resource.set(f"{{{ADLCP}}}scormtype", "sco")
        for name in package_files(content):
            element(resource, cp + "file", href=name)
        return serialise(root)
