package io.fusion4j.eval.report;

import java.util.Objects;

/**
 * Plain text in which {@code **bold**} and {@code `code`} are honoured in both outputs; everything else is text (HTML
 * is escaped). A blank line starts a new paragraph.
 */
public record Paragraph(String markdownLite) implements Block {
    public Paragraph {
        Objects.requireNonNull(markdownLite, "Paragraph markdownLite");
    }
}
