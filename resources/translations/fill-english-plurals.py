#!/usr/bin/env python3
"""Fills the English numerus forms of keybrake_en.ts from the source texts.

The console writes plurals as tr("%n key(s)", nullptr, n); English needs no translator for
anything else, but without a .qm the "(s)" shows literally. Run after lupdate:
    lupdate -pluralonly -locations none -no-obsolete -I . app ui models \
        -ts resources/translations/keybrake_en.ts
    resources/translations/fill-english-plurals.py resources/translations/keybrake_en.ts
"""
import sys
import xml.etree.ElementTree as ET

path = sys.argv[1]
tree = ET.parse(path)
for message in tree.iter('message'):
    if message.get('numerus') != 'yes':
        continue
    source = message.find('source').text
    translation = message.find('translation')
    for child in list(translation):
        translation.remove(child)
    translation.attrib.pop('type', None)
    singular = source.replace('(s)', '').replace('(es)', '')
    plural = source.replace('(s)', 's').replace('(es)', 'es')
    for text in (singular, plural):
        form = ET.SubElement(translation, 'numerusform')
        form.text = text
tree.write(path, encoding='utf-8', xml_declaration=True)
