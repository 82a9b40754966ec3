package io.fusion4j.eval.data;

import io.fusion4j.api.UserInputException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Where training text comes from: the built-in corpus, a text file, or every {@code .txt} file in a folder. */
public final class TextSource {
    private TextSource() {
    }

    /** {@code builtin}, or a path to a UTF-8 text file or a folder of them. */
    public static String read(String spec) throws IOException {
        if (spec == null || spec.equals("builtin")) {
            return BuiltinCorpus.training();
        }
        Path p = Path.of(spec);
        if (Files.isRegularFile(p)) {
            return Files.readString(p, StandardCharsets.UTF_8);
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
                b.append(Files.readString(f, StandardCharsets.UTF_8)).append("\n\n");
            }
            return b.toString();
        }
        throw new UserInputException("--data: expected 'builtin', a text file or a folder, found " + spec
                + " (no such file or folder)");
    }
}
