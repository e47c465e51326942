"""SCORM 2004 4th Edition packages: one SCO for the whole course, with its own navigation."""

from __future__ import annotations

from lxml import etree

from scorm_export.base import LAUNCH_FILE, Exporter, PackageContent
from scorm_export.manifest import element, package_files, serialise

IMSCP = "http://www.imsglobal.org/xsd/imscp_v1p1"
ADLCP = "http://www.adlnet.org/xsd/adlcp_v1p3"
ADLSEQ = "http://www.adlnet.org/xsd/adlseq_v1p3"
ADLNAV = "http://www.adlnet.org/xsd/adlnav_v1p3"
IMSSS = "http://www.imsglobal.org/xsd/imsss"
LOM = "http://ltsc.ieee.org/xsd/LOM"
# Moodle matches these literal prefixes, so they are fixed.
NAMESPACES = {None: IMSCP, "adlcp": ADLCP, "adlseq": ADLSEQ, "adlnav": ADLNAV, "imsss": IMSSS, "lom": LOM}


class Scorm2004Exporter(Exporter):
    """SCORM 2004 4th Edition."""

    name = "scorm2004"
    api_version = "2004"

    def manifest(self, content: PackageContent) -> bytes:
        """The SCORM 2004 manifest: LOM metadata, one organization, one SCO that reports its own status."""
        course, language = content.course, content.language
        cp, lom_ns, ss = f"{{{IMSCP}}}", f"{{{LOM}}}", f"{{{IMSSS}}}"
        root = etree.Element(
            cp + "manifest", nsmap=NAMESPACES, identifier=content.identifier, version=course.version
        )
        metadata = element(root, cp + "metadata")
        element(metadata, cp + "schema", "ADL SCORM")
        element(metadata, cp + "schemaversion", "2004 4th Edition")
        lom = element(metadata, lom_ns + "lom")
        general = element(lom, lom_ns + "general")
        element(
            element(general, lom_ns + "title"), lom_ns + "string", course.title(language), language=language
        )
        element(general, lom_ns + "language", language)
        description = element(general, lom_ns + "description")
        element(description, lom_ns + "string", course.summary(language), language=language)
        lifecycle = element(lom, lom_ns + "lifeCycle")
        element(element(lifecycle, lom_ns + "version"), lom_ns + "string", course.version, language="x-none")

        organizations = element(root, cp + "organizations", default="ORG-1")
        organization = element(organizations, cp + "organization", identifier="ORG-1")
        organization.set(f"{{{ADLSEQ}}}objectivesGlobalToSystem", "false")
        element(organization, cp + "title", course.title(language))
        item = element(
            organization, cp + "item", identifier="ITEM-1", identifierref="SCO-1", isvisible="true"
        )
        element(item, cp + "title", course.title(language))
        sequencing = element(item, ss + "sequencing")
        # The SCO sets completion and success itself; the LMS must not guess them.
        element(
            sequencing,
            ss + "deliveryControls",
            tracked="true",
            completionSetByContent="true",
            objectiveSetByContent="true",
        )
        presentation = element(item, f"{{{ADLNAV}}}presentation")
        hide = element(presentation, f"{{{ADLNAV}}}navigationInterface")
        # The package has its own previous/next links; the LMS's would move between SCOs, of which there is one.
        for control in ("previous", "continue"):
            element(hide, f"{{{ADLNAV}}}hideLMSUI", control)
        organization_sequencing = element(organization, ss + "sequencing")
        element(organization_sequencing, ss + "controlMode", choice="true", flow="true")

        resources = element(root, cp + "resources")
        resource = element(
            resources, cp + "resource", identifier="SCO-1", type="webcontent", href=LAUNCH_FILE
        )
        resource.set(f"{{{ADLCP}}}scormType", "sco")
        for name in package_files(content):
            element(resource, cp + "file", href=name)
        return serialise(root)
