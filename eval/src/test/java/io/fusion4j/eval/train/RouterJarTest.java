package io.fusion4j.eval.train;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.module.ModuleFinder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A router from outside is a jar: the CLI in a new JVM, with the example {@code hash} router's jar
 * ({@code examples/router-hash}) on its module path or not. With it, {@code fusion4j routers} lists {@code hash} and a
 * MoMa config naming {@code {"name": "hash"}} trains, its metrics showing the routing; without it the same training is
 * refused in one line that lists the routers found.
 */
class RouterJarTest {
    private static final String MODULE = "io.fusion4j.examples.routerhash";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** What a child CLI returned and printed; stderr without the JVM's own WARNING lines. */
    private record Run(int rc, String out, List<String> err) {
    }

    private Run cli(List<String> modulePath, String... args) throws Exception {
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        Process p = new ProcessBuilder(ChildCli.command(modulePath, args)).redirectOutput(out.toFile())
                .redirectError(err.toFile()).start();
        assertThat(p.waitFor(180, TimeUnit.SECONDS)).as("fusion4j %s finished", String.join(" ", args)).isTrue();
        List<String> errLines = Files.readAllLines(err).stream().filter(l -> !l.startsWith("WARNING:")).toList();
        return new Run(p.exitValue(), Files.readString(out), errLines);
    }

    /**
     * The example router's jar as the build resolved eval's test dependency on it (its jar; its classes folder in a
     * reactor build that stops before package), which eval/pom.xml hands the test JVM in a system property.
     */
    private static String routerJar() {
        String jar = System.getProperty("fusion4j.test.routerHashJar", "");
        assertThat(!jar.isEmpty() && Files.exists(Path.of(jar)))
                .as("fusion4j.test.routerHashJar names the example router's jar (set by eval/pom.xml), found '%s'", jar)
                .isTrue();
        assertThat(ModuleFinder.of(Path.of(jar)).find(MODULE)).as("module %s in %s", MODULE, jar).isPresent();
        return jar;
    }

    /** This test JVM's module path, which holds the routers the CLI ships and not the example. */
    private static List<String> withoutRouter() {
        List<String> mp = ChildCli.modulePath();
        for (String e : mp) {
            assertThat(ModuleFinder.of(Path.of(e)).find(MODULE)).as("%s on the test module path (%s)", MODULE, e)
                    .isEmpty();
        }
        return mp;
    }

    private static List<String> withRouter() {
        List<String> mp = new ArrayList<>(withoutRouter());
        mp.add(routerJar());
        return mp;
    }

    /** moe-8x of moma-dense as `fusion4j model --write` gives it, shrunk, with every layer's router {"name": "hash"}. */
    private Path hashConfig() throws Exception {
        Path written = dir.resolve("moe-8x.json");
        CliRun.Result r = CliRun.run("model", "--preset", "moma-dense", "--variant", "moe-8x", "--write",
                written.toString());
        assertThat(r.rc()).as(r.err()).isZero();
        ObjectNode cfg = (ObjectNode) JSON.readTree(written.toFile());
        ObjectNode model = (ObjectNode) cfg.get("model");
        assertThat(model.get("kind").asText()).isEqualTo("moma");
        assertThat(model.get("experts").asInt()).isEqualTo(8);
        ((ObjectNode) model.get("base")).put("vocab", 300).put("dim", 32).put("layers", 2).put("heads", 2)
                .put("ffnHidden", 64);
        model.set("router", JSON.createObjectNode().put("name", "hash"));
        cfg.put("batch", 2).put("seqLen", 16).put("warmup", 1).put("checkpointEvery", 3).put("validateEvery", 3)
                .put("validationBatches", 1);
        Path f = dir.resolve("hash.json");
        Files.writeString(f, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(cfg));
        return f;
    }

    @Test
    void routersListsTheHashRouterOnlyWhenItsJarIsOnTheModulePath() throws Exception {
        Run with = cli(withRouter(), "routers");
        assertThat(with.rc()).as(with.err().toString()).isZero();
        assertThat(with.out()).contains("\nhash: each token goes to expert ((id + salt) * 2654435761) mod E")
                .contains("\n    salt (integer, default 0): added to the token id before hashing\n")
                .contains("expert-choice: ").contains("token-choice: ");

        Run without = cli(withoutRouter(), "routers");
        assertThat(without.rc()).as(without.err().toString()).isZero();
        assertThat(without.out()).contains("expert-choice: ").doesNotContain("hash");
    }

    @Test
    void aConfigNamingTheHashRouterTrainsWithTheJarAndIsRefusedInOneLineWithoutIt() throws Exception {
        Path cfg = hashConfig();
        Path out = dir.resolve("run");
        Run run = cli(withRouter(), "train", "--config", cfg.toString(), "--steps", "3", "--out", out.toString(),
                "--threads", "1");
        assertThat(run.rc()).as("out:\n%s\nerr:\n%s", run.out(), run.err()).isZero();
        assertThat(run.out()).contains("router=hash").contains("finished at step 3");
        assertThat(out.resolve("step-00000003")).isDirectory();
        assertThat(Files.readString(out.resolve("step-00000003").resolve("config.json"), StandardCharsets.UTF_8))
                .containsPattern("\"router\"\\s*:\\s*\\{\\s*\"name\"\\s*:\\s*\"hash\"");

        List<JsonNode> steps = new ArrayList<>();
        for (String line : Files.readAllLines(out.resolve("metrics.jsonl"))) {
            JsonNode n = JSON.readTree(line);
            if (n.get("event").asText().equals("step")) {
                steps.add(n);
            }
        }
        assertThat(steps).hasSize(3);
        for (JsonNode s : steps) {
            JsonNode m = s.get("metrics");
            long tokens = s.get("tokens").asLong();
            assertThat(tokens).isEqualTo(2 * 16);
            for (int layer = 0; layer < 2; layer++) {
                String p = "layers." + layer + ".ffn.routing.";
                long sum = 0;
                for (int e = 0; e < 8; e++) {
                    JsonNode c = m.get(p + "tokens." + e);
                    assertThat(c).as("step %s: %stokens.%d in %s", s.get("step"), p, e, m).isNotNull();
                    sum += c.asLong();
                    // Hashing the token id ignores the hidden state: every layer routes a token to the same expert.
                    assertThat(c.asLong()).as("step %s expert %d, layer %d vs 0", s.get("step"), e, layer)
                            .isEqualTo(m.get("layers.0.ffn.routing.tokens." + e).asLong());
                }
                // Every token (the built-in text has no padding) goes to exactly one expert, with weight 1.
                assertThat(sum).as("step %s, %s: tokens over the experts", s.get("step"), p).isEqualTo(tokens);
                assertThat(m.get(p + "taken_one").asDouble()).isEqualTo(1.0);
                assertThat(m.get(p + "taken_none").asDouble()).isZero();
                assertThat(m.get(p + "gate_mean").asDouble()).isEqualTo(1.0);
                assertThat(m.get(p + "dropped").asDouble()).isZero();
            }
        }

        Run refused = cli(withoutRouter(), "train", "--config", cfg.toString(), "--steps", "3", "--out",
                dir.resolve("refused").toString(), "--threads", "1");
        assertThat(refused.rc()).as("out:\n%s\nerr:\n%s", refused.out(), refused.err()).isEqualTo(2);
        assertThat(refused.err()).singleElement().asString()
                .startsWith("fusion4j: no router named 'hash' on the module path; found: ")
                .contains("expert-choice").contains("token-choice")
                .endsWith(" (`fusion4j routers` lists them with their options)");
        assertThat(refused.err().getFirst()).doesNotContain("hash,").doesNotContain(", hash");
        assertThat(dir.resolve("refused").resolve("metrics.jsonl")).doesNotExist();
    }
}
