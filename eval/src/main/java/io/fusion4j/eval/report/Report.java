package io.fusion4j.eval.report;

import java.util.List;
import java.util.Objects;

/** A whole report: a title and its sections, in order. */
public record Report(String title, List<Section> sections) {
    public Report {
        Objects.requireNonNull(title, "Report title");
        sections = Checks.copy(sections, "Report sections");
    }
}
