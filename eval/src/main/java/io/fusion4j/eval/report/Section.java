package io.fusion4j.eval.report;

import java.util.List;
import java.util.Objects;

/** One section (a {@code ##} heading, a table-of-contents entry) and its blocks, in order. */
public record Section(String title, List<Block> blocks) {
    public Section {
        Objects.requireNonNull(title, "Section title");
        blocks = Checks.copy(blocks, "Section '" + title + "' blocks");
    }
}
