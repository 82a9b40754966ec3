package io.fusion4j.eval.report;

import java.nio.file.Path;
import java.util.List;

/** What {@link ReportWriter#write} wrote: {@code report.md}, {@code report.html} and the PNGs under {@code plots/}. */
public record Written(Path markdown, Path html, List<Path> plots) {
    public Written {
        plots = List.copyOf(plots);
    }
}
