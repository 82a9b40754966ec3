package io.fusion4j.eval.report;

import java.nio.file.Path;
import java.util.Objects;

/** An existing PNG (a sample grid, say), copied beside {@code report.md} and embedded in {@code report.html}. */
public record Picture(Path source, String caption) implements Block {
    public Picture {
        Objects.requireNonNull(source, "Picture source");
        Objects.requireNonNull(caption, "Picture caption");
    }
}
