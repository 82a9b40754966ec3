package io.fusion4j.eval.data;

import io.fusion4j.api.UserInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Where training text comes from: the built-in corpus, a text file, or every {@code .txt} file in a folder. */
public final class TextSource {
    /** Text data is read whole: past this a file is refused, not read into an out-of-memory. */
    static final long MAX_BYTES = 512L << 20;

    private TextSource() {
    }

    /** {@code builtin}, or a path to a UTF-8 text file or a folder of them. */
    public static String read(String spec) throws IOException {
        if (spec == null || spec.equals("builtin")) {
            return BuiltinCorpus.training();
        }
        Path p = Path.of(spec);
        if (Files.isRegularFile(p)) {
            return io.fusion4j.api.io.BoundedText.read(p, MAX_BYTES);
        }
        if (Files.isDirectory(p)) {
            List<Path> files;
            try (Stream<Path> s = Files.walk(p)) {
                files = s.filter(f -> Files.isRegularFile(f) && f.toString().endsWith(".txt")).sorted().toList();
            }
            if (files.isEmpty()) {
                throw new UserInputException("--data: folder " + p + " holds no .txt file");
            }
            StringBuilder b = new StringBuilder();
            for (Path f : files) {
                b.append(io.fusion4j.api.io.BoundedText.read(f, MAX_BYTES)).append("\n\n");
            }
            return b.toString();
        }
        throw new UserInputException("--data: expected 'builtin', a text file or a folder, found " + spec
                + " (no such file or folder)");
    }
}
