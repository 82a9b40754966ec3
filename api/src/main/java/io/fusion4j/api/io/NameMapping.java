package io.fusion4j.api.io;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which tensor of a weights file each target parameter is loaded from: a function from the target's
 * name to a source tensor name, or empty when the parameter is not loaded from the file at all (it
 * keeps its value and {@link LoadReport#notMapped()} lists it). It runs from target to source so that
 * every parameter has at most one source while one source may feed many parameters (sparse
 * upcycling copies one dense FFN into each expert).
 *
 * <p>Compose with {@link #andThen} and {@link #excluding}; for example a dense checkpoint upcycled into
 * experts, with the new router left as initialised:
 * <pre>{@code
 * NameMapping.regex("layers\\.(\\d+)\\.ffn\\.experts\\.text\\.\\d+\\.(w\\d)", "layers.$1.ffn.$2")
 *         .excluding(name -> name.endsWith(".router"))
 * }</pre>
 */
@FunctionalInterface
public interface NameMapping {
    /** The source tensor name for {@code target}, or empty when {@code target} is not loaded from the file. */
    Optional<String> sourceFor(String target);

    /** Every target loads the tensor of the same name. */
    static NameMapping identity() {
        return Optional::of;
    }

    /**
     * Targets named {@code prefix + x} load tensor {@code x}; other targets are not loaded. For a file of a
     * part (a pre-trained image autoencoder) that sits under {@code prefix} in the bigger target model.
     */
    static NameMapping stripPrefix(String prefix) {
        Objects.requireNonNull(prefix, "prefix");
        return t -> t.startsWith(prefix) ? Optional.of(t.substring(prefix.length())) : Optional.empty();
    }

    /** Target {@code x} loads tensor {@code prefix + x}: the file was saved from a model that held the target under {@code prefix}. */
    static NameMapping addPrefix(String prefix) {
        Objects.requireNonNull(prefix, "prefix");
        return t -> Optional.of(prefix + t);
    }

    /** Targets that are keys of {@code targetToSource} load the tensor named by their value; others keep their own name. */
    static NameMapping rename(Map<String, String> targetToSource) {
        Map<String, String> copy = Map.copyOf(targetToSource);
        return t -> Optional.of(copy.getOrDefault(t, t));
    }

    /**
     * Targets whose whole name matches {@code regex} load the tensor named by {@code replacement}, where
     * {@code $1}… refer to the regex's groups (as in {@link Matcher#appendReplacement}); others keep their
     * own name. Many targets may match and name the same source.
     */
    static NameMapping regex(String regex, String replacement) {
        Pattern p = Pattern.compile(regex);
        Objects.requireNonNull(replacement, "replacement");
        return t -> {
            Matcher m = p.matcher(t);
            if (!m.matches()) {
                return Optional.of(t);
            }
            StringBuilder sb = new StringBuilder();
            m.appendReplacement(sb, replacement);
            return Optional.of(sb.toString());
        };
    }

    /** This mapping, then {@code next} applied to its result: target → this → next → source. */
    default NameMapping andThen(NameMapping next) {
        Objects.requireNonNull(next, "next");
        return t -> sourceFor(t).flatMap(next::sourceFor);
    }

    /** This mapping, except that targets {@code excluded} accepts are not loaded (frozen-model routers, new heads). */
    default NameMapping excluding(Predicate<String> excluded) {
        Objects.requireNonNull(excluded, "excluded");
        return t -> excluded.test(t) ? Optional.empty() : sourceFor(t);
    }
}
