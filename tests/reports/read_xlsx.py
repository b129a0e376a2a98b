#!/usr/bin/python3
"""Prints the first sheet of an XLSX file as CSV (RFC 4180), one line per row, so that the report
tests read a workbook back with the parser they use for CSV. Understands inline strings (what
libxlsxwriter writes in constant-memory mode), shared strings and numbers; integers print
without a decimal point; rows without cells print as blank lines. Usage: read_xlsx.py FILE.xlsx"""
import csv
import re
import sys
import xml.etree.ElementTree as ET
import zipfile

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def column_index(ref):
    letters = re.match(r"[A-Z]+", ref).group(0)
    index = 0
    for letter in letters:
        index = index * 26 + (ord(letter) - ord("A") + 1)
    return index - 1


def main(path):
    with zipfile.ZipFile(path) as book:
        shared = []
        if "xl/sharedStrings.xml" in book.namelist():
            root = ET.fromstring(book.read("xl/sharedStrings.xml"))
            for item in root.findall("m:si", NS):
                shared.append("".join(t.text or "" for t in item.iter("{%s}t" % NS["m"])))
        sheet = ET.fromstring(book.read("xl/worksheets/sheet1.xml"))
    out = csv.writer(sys.stdout, lineterminator="\r\n")
    written = 0
    for row in sheet.find("m:sheetData", NS).findall("m:row", NS):
        number = int(row.get("r"))
        while written + 1 < number:  # rows without cells are not in the file: blank lines
            out.writerow([])
            written += 1
        written = number
        values = {}
        for cell in row.findall("m:c", NS):
            kind = cell.get("t")
            if kind == "inlineStr":
                text = "".join(t.text or "" for t in cell.iter("{%s}t" % NS["m"]))
            elif kind == "s":
                text = shared[int(cell.find("m:v", NS).text)]
            else:
                raw = cell.find("m:v", NS).text
                number = float(raw)
                text = str(int(number)) if number.is_integer() else raw
            values[column_index(cell.get("r"))] = text
        width = max(values) + 1 if values else 0
        out.writerow([values.get(i, "") for i in range(width)])


if __name__ == "__main__":
    main(sys.argv[1])
