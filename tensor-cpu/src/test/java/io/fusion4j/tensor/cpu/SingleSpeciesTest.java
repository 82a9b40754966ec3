package io.fusion4j.tensor.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Guards decision 0010: a second vector species anywhere in the backend makes the JDK's shared vector
 * methods polymorphic, and a micro-kernel compiled at the wrong moment then boxes every vector. The
 * failure is timing-dependent, so it is checked at the source.
 */
class SingleSpeciesTest {
    private static final Pattern SPECIES = Pattern.compile("\\b(?:Float|Int|Long|Double|Short|Byte)Vector\\.SPECIES_(\\w+)");

    @Test
    void everyVectorInTheBackendIsOfThePreferredSpecies() throws IOException {
        Path sources = Path.of("src/main/java/io/fusion4j/tensor/cpu");
        assertThat(sources).isDirectory();
        List<String> others = new ArrayList<>();
        int preferred = 0;
        try (Stream<Path> files = Files.list(sources)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).sorted().toList()) {
                List<String> lines = Files.readAllLines(f);
                for (int i = 0; i < lines.size(); i++) {
                    Matcher m = SPECIES.matcher(lines.get(i));
                    while (m.find()) {
                        if (m.group(1).equals("PREFERRED")) {
                            preferred++;
                        } else {
                            others.add(f.getFileName() + ":" + (i + 1) + " " + m.group());
                        }
                    }
                }
            }
        }
        assertThat(preferred).as("species declarations found (is the scan looking at the right folder?)").isPositive();
        assertThat(others).as("vector species other than SPECIES_PREFERRED (decision 0010)").isEmpty();
    }
}
