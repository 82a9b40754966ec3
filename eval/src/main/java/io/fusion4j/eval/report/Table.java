package io.fusion4j.eval.report;

import java.util.List;
import java.util.Objects;

/** A table: a header, rows of exactly the header's width, and a caption (may be empty) shown under it. */
public record Table(List<String> header, List<List<String>> rows, String caption) implements Block {
    public Table {
        header = Checks.copy(header, "Table header");
        if (header.isEmpty()) {
            throw new IllegalArgumentException("Table header is empty");
        }
        Objects.requireNonNull(rows, "Table rows");
        Objects.requireNonNull(caption, "Table caption");
        List<List<String>> copied = new java.util.ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            List<String> row = Checks.copy(rows.get(i), "Table rows[" + i + "]");
            if (row.size() != header.size()) {
                throw new IllegalArgumentException("Table rows[" + i + "] has " + row.size() + " cells but the header has "
                        + header.size() + " (" + String.join(", ", header) + ")");
            }
            copied.add(row);
        }
        rows = List.copyOf(copied);
    }
}
