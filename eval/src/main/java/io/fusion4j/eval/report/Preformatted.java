package io.fusion4j.eval.report;

import java.util.Objects;

/** Text shown verbatim in a monospaced block: a config, a command line. */
public record Preformatted(String text) implements Block {
    public Preformatted {
        Objects.requireNonNull(text, "Preformatted text");
    }
}
