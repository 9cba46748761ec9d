#!/usr/bin/env python3
"""The statements one request sent to PostgreSQL, as a pgbench script (bench/routes.sh).

Usage: pg_capture.py LOG OFFSET DATABASE OUT TITLE

Reads the server log LOG from byte OFFSET (the statements logged with `log_statement = all`,
the cluster's default `log_line_prefix` `%m [%p] %q%u@%d `), keeps those of DATABASE, puts each
execute's bound parameters in as literals (PostgreSQL logs them as text, quoted) and writes
them, one per line and `;`-terminated, to OUT after a comment naming TITLE. Prints the number
of statements. Standard library only.
"""

import re
import sys

PREFIX = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? \S+ \[(\d+)\] (\S*)@(\S*) ([A-Z]+):  (.*)$")
STATEMENT = re.compile(r"^(?:statement|execute [^:]*): (.*)$", re.S)
PARAMETER = re.compile(r"\$(\d+) = (NULL|'(?:[^']|'')*')")


def entries(text):
    """(pid, database, level, message) per log entry; continuation lines join their entry."""
    current = None
    for line in text.splitlines():
        match = PREFIX.match(line)
        if match:
            if current:
                yield current
            current = [match.group(1), match.group(3), match.group(4), match.group(5)]
        elif current:
            current[3] += "\n" + line
    if current:
        yield current


def main():
    log, offset, database, out, title = sys.argv[1:6]
    with open(log, "rb") as f:
        f.seek(int(offset))
        text = f.read().decode("utf-8", errors="replace")
    statements = []  # [pid, sql]
    for pid, db, level, message in entries(text):
        if db != database:
            continue
        if level == "LOG":
            match = STATEMENT.match(message)
            if match:
                statements.append([pid, match.group(1).strip()])
        elif level == "DETAIL" and message.startswith("parameters: "):
            # The parameters of the last execute of the same backend.
            for s in reversed(statements):
                if s[0] == pid:
                    values = dict(PARAMETER.findall(message))
                    s[1] = re.sub(r"\$(\d+)\b", lambda m: values.get(m.group(1), m.group(0)), s[1])
                    break
    with open(out, "w") as f:
        f.write(f"-- {title}\n")
        f.write("-- Captured by bench/routes.sh from PostgreSQL's statement log, parameters put in as literals.\n")
        for _, sql in statements:
            f.write(sql.rstrip(";") + ";\n")
    print(len(statements))


if __name__ == "__main__":
    main()
