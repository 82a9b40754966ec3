package io.fusion4j.tensor.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fusion4j.api.autograd.Parameters;
import io.fusion4j.api.io.CheckpointStore;
import io.fusion4j.api.io.LoadReport;
import io.fusion4j.api.io.NameMapping;
import io.fusion4j.api.io.SafetensorsException;
import io.fusion4j.api.io.SafetensorsWriter;
import io.fusion4j.api.io.Strictness;
import io.fusion4j.api.io.TrainerState;
import io.fusion4j.api.io.WeightLoader;
import io.fusion4j.api.nn.Decoder;
import io.fusion4j.api.tensor.Shape;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

class WeightLoaderTest extends CheckpointFixture {
    private static int[] bits(float[] f) {
        int[] b = new int[f.length];
        for (int i = 0; i < f.length; i++) {
            b[i] = Float.floatToRawIntBits(f[i]);
        }
        return b;
    }

    /** Parameters with the given names and shapes, random values depending on {@code seed}. */
    private Parameters params(long seed, Map<String, Shape> shapes) {
        Parameters p = new Parameters();
        shapes.forEach((n, s) -> p.declare(n, s, new Parameters.Init.Normal(1f), true));
        p.allocate(be, seed);
        return p;
    }

    private static float[] ramp(Shape s, float start) {
        float[] f = new float[(int) s.numel()];
        for (int i = 0; i < f.length; i++) {
            f[i] = start + 0.25f * i;
        }
        return f;
    }

    /** A safetensors file of ramps, tensor {@code i} starting at {@code 100 * i}. */
    private Path file(String name, Map<String, Shape> shapes) throws Exception {
        SafetensorsWriter w = new SafetensorsWriter();
        int i = 0;
        for (Map.Entry<String, Shape> e : shapes.entrySet()) {
            w.addF32(e.getKey(), e.getValue(), ramp(e.getValue(), 100 * i++));
        }
        Path f = dir.resolve(name);
        w.write(f);
        return f;
    }

    /** A checkpoint of a decoder whose weights depend on {@code seed}. */
    private Decoder savedDecoder(CheckpointStore store, long seed, long step) throws Exception {
        Model m = model(seed);
        store.save(be, m.decoder().parameters(), m.opt(), new TrainerState(step, 0, 0, 1, 0), "{}");
        return m.decoder();
    }

    private Decoder fresh(long seed) {
        Decoder d = new Decoder(CFG);
        d.parameters().allocate(be, seed);
        return d;
    }

    private static void flipByte(Path f, int fromEnd) throws Exception {
        byte[] bytes = Files.readAllBytes(f);
        bytes[bytes.length - fromEnd] ^= 0x40;
        Files.write(f, bytes);
    }

    @Test
    void identityLoadOfASavedCheckpointIsBitIdenticalWithoutAnOptimizer() throws Exception {
        CheckpointStore store = new CheckpointStore(dir.resolve("run"), 2);
        Decoder a = savedDecoder(store, 1, 7);
        Path folder = store.checkpoints().getFirst();
        Decoder b = fresh(2);
        assertThat(bits(host(b.parameters().values()))).isNotEqualTo(bits(host(a.parameters().values())));

        LoadReport r = WeightLoader.load(folder, be, b.parameters(), NameMapping.identity(), Strictness.STRICT);

        assertThat(bits(host(b.parameters().values()))).containsExactly(bits(host(a.parameters().values())));
        assertThat(r.source()).isEqualTo(folder);
        assertThat(r.loaded()).extracting(LoadReport.Copy::target).containsExactlyElementsOf(b.parameters().all().keySet());
        assertThat(r.loaded()).allMatch(c -> c.target().equals(c.source()));
        assertThat(r.missing()).isEmpty();
        assertThat(r.notMapped()).isEmpty();
        assertThat(r.unused()).isEmpty();

        // The bare model file loads the same way.
        Decoder c = fresh(3);
        WeightLoader.load(folder.resolve("model.safetensors"), be, c.parameters(), NameMapping.identity(),
                Strictness.STRICT);
        assertThat(bits(host(c.parameters().values()))).containsExactly(bits(host(a.parameters().values())));
    }

    @Test
    void aFolderWithOnlyTheModelAndItsManifestLoads() throws Exception {
        CheckpointStore store = new CheckpointStore(dir.resolve("run"), 2);
        Decoder a = savedDecoder(store, 1, 1);
        Path export = Files.createDirectories(dir.resolve("export"));
        Path model = Files.copy(store.checkpoints().getFirst().resolve("model.safetensors"),
                export.resolve("model.safetensors"));
        String sum = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(model)));
        Files.writeString(export.resolve("manifest.json"),
                "{\"model.safetensors\":{\"sha256\":\"" + sum + "\",\"bytes\":" + Files.size(model) + "}}\n");
        Decoder b = fresh(2);
        WeightLoader.load(export, be, b.parameters(), NameMapping.identity(), Strictness.STRICT);
        assertThat(bits(host(b.parameters().values()))).containsExactly(bits(host(a.parameters().values())));

        // A manifest that does not list the model, or a folder without a manifest, is refused.
        Files.writeString(export.resolve("manifest.json"), "{}");
        assertThatThrownBy(() -> WeightLoader.load(export, be, b.parameters(), NameMapping.identity(),
                Strictness.STRICT)).hasMessage("manifest.json lists no model.safetensors");
        Files.delete(export.resolve("manifest.json"));
        assertThatThrownBy(() -> WeightLoader.load(export, be, b.parameters(), NameMapping.identity(),
                Strictness.STRICT)).hasMessage("manifest.json is missing");
    }

    @Test
    void upcyclingCopiesOneDenseTensorIntoEveryExpert() throws Exception {
        Shape w1 = Shape.of(6, 4);
        Shape w2 = Shape.of(4, 6);
        Map<String, Shape> dense = new LinkedHashMap<>();
        dense.put("layers.0.attn.wq", Shape.of(4, 4));
        dense.put("layers.0.ffn.w1", w1);
        dense.put("layers.0.ffn.w2", w2);
        Path f = file("dense.safetensors", dense);
        Map<String, Shape> moe = new LinkedHashMap<>();
        moe.put("layers.0.attn.wq", Shape.of(4, 4));
        moe.put("layers.0.ffn.router", Shape.of(3, 4));
        for (int e = 0; e < 3; e++) {
            moe.put("layers.0.ffn.experts.text." + e + ".w1", w1);
            moe.put("layers.0.ffn.experts.text." + e + ".w2", w2);
        }
        Parameters p = params(5, moe);
        float[] router = host(p.get("layers.0.ffn.router").value());
        NameMapping upcycle = NameMapping.regex("layers\\.(\\d+)\\.ffn\\.experts\\.text\\.\\d+\\.(w\\d)",
                "layers.$1.ffn.$2").excluding(n -> n.endsWith(".router"));

        LoadReport r = WeightLoader.load(f, be, p, upcycle, Strictness.STRICT);

        for (int e = 0; e < 3; e++) {
            assertThat(host(p.get("layers.0.ffn.experts.text." + e + ".w1").value())).containsExactly(ramp(w1, 100));
            assertThat(host(p.get("layers.0.ffn.experts.text." + e + ".w2").value())).containsExactly(ramp(w2, 200));
        }
        assertThat(host(p.get("layers.0.attn.wq").value())).containsExactly(ramp(Shape.of(4, 4), 0));
        assertThat(host(p.get("layers.0.ffn.router").value())).containsExactly(router);
        assertThat(r.loaded()).hasSize(7).contains(new LoadReport.Copy("layers.0.ffn.experts.text.0.w1",
                "layers.0.ffn.w1"), new LoadReport.Copy("layers.0.ffn.experts.text.2.w1", "layers.0.ffn.w1"));
        assertThat(r.notMapped()).containsExactly("layers.0.ffn.router");
        assertThat(r.unused()).isEmpty();
    }

    @Test
    void aPrefixLoadsAPartIntoABiggerModel() throws Exception {
        Map<String, Shape> vae = new LinkedHashMap<>();
        vae.put("autoencoder.enc.w", Shape.of(2, 3));
        vae.put("autoencoder.dec.w", Shape.of(3, 2));
        Path f = file("vae.safetensors", vae);
        Map<String, Shape> big = new LinkedHashMap<>();
        big.put("main.w", Shape.of(5));
        big.put("vae.enc.w", Shape.of(2, 3));
        big.put("vae.dec.w", Shape.of(3, 2));
        Parameters p = params(6, big);
        float[] main = host(p.get("main.w").value());

        LoadReport r = WeightLoader.load(f, be, p,
                NameMapping.stripPrefix("vae.").andThen(NameMapping.addPrefix("autoencoder.")), Strictness.STRICT);

        assertThat(host(p.get("vae.enc.w").value())).containsExactly(ramp(Shape.of(2, 3), 0));
        assertThat(host(p.get("vae.dec.w").value())).containsExactly(ramp(Shape.of(3, 2), 100));
        assertThat(host(p.get("main.w").value())).containsExactly(main);
        assertThat(r.loaded()).containsExactly(new LoadReport.Copy("vae.enc.w", "autoencoder.enc.w"),
                new LoadReport.Copy("vae.dec.w", "autoencoder.dec.w"));
        assertThat(r.notMapped()).containsExactly("main.w");
    }

    @Test
    void mappingsMapTargetsToSources() {
        NameMapping rename = NameMapping.rename(Map.of("head.w", "lm_head"));
        assertThat(rename.sourceFor("head.w")).contains("lm_head");
        assertThat(rename.sourceFor("norm")).contains("norm");
        assertThat(NameMapping.stripPrefix("vae.").sourceFor("main.w")).isEmpty();
        assertThat(NameMapping.addPrefix("model.").sourceFor("x")).contains("model.x");
        NameMapping re = NameMapping.regex("e\\.(\\d)", "dense$1");
        assertThat(re.sourceFor("e.3")).contains("dense3");
        assertThat(re.sourceFor("e.3x")).contains("e.3x"); // only whole-name matches are rewritten
        assertThat(NameMapping.stripPrefix("a.").andThen(rename).sourceFor("a.head.w")).contains("lm_head");
        assertThat(NameMapping.stripPrefix("a.").andThen(rename).sourceFor("b.head.w")).isEmpty();
        assertThat(NameMapping.identity().excluding(n -> n.startsWith("aux.")).sourceFor("aux.router")).isEmpty();
        assertThat(NameMapping.identity().excluding(n -> n.startsWith("aux.")).sourceFor("w")).contains("w");
    }

    private static Map<String, Shape> shapes(Object... nameShape) {
        Map<String, Shape> m = new LinkedHashMap<>();
        for (int i = 0; i < nameShape.length; i += 2) {
            m.put((String) nameShape[i], (Shape) nameShape[i + 1]);
        }
        return m;
    }

    private void assertStrictRejects(Map<String, Shape> inFile, Map<String, Shape> inModel, String message)
            throws Exception {
        Path f = file("strict.safetensors", inFile);
        Parameters p = params(7, inModel);
        float[] before = host(p.values());
        assertThatThrownBy(() -> WeightLoader.load(f, be, p, NameMapping.identity(), Strictness.STRICT))
                .hasMessageContaining(f.toString()).hasMessageContaining(message);
        assertThat(host(p.values())).containsExactly(before);
    }

    @Test
    void strictRejectsAMissingOrAnExtraTensorAndLeavesTheParameters() throws Exception {
        assertStrictRejects(shapes("a", Shape.of(2, 3)), shapes("a", Shape.of(2, 3), "b", Shape.of(3)),
                "parameter 'b' expects tensor 'b' of shape [3], which the file does not hold");
        assertStrictRejects(shapes("a", Shape.of(2, 3), "c", Shape.of(2)), shapes("a", Shape.of(2, 3)),
                "tensor 'c' (shape [2]) is loaded into no parameter");
    }

    @Test
    void aShapeMismatchIsAnErrorUnderEitherStrictness() throws Exception {
        Path f = file("a.safetensors", shapes("a", Shape.of(2, 3), "b", Shape.of(4)));
        Parameters p = params(9, shapes("b", Shape.of(4), "x.a", Shape.of(3, 2)));
        float[] before = host(p.values());
        for (Strictness s : Strictness.values()) {
            assertThatThrownBy(() -> WeightLoader.load(f, be, p, NameMapping.stripPrefix("x.")
                    .andThen(NameMapping.identity()), s)).hasMessageContaining(f.toString())
                    .hasMessageContaining("tensor 'a' has shape [2, 3], the model expects [3, 2] for parameter 'x.a'");
        }
        // 'b' matched, but nothing is written when any tensor fails.
        assertThat(host(p.values())).containsExactly(before);
    }

    @Test
    void lenientKeepsTargetsTheFileLacksAndReportsWhatItDidNotUse() throws Exception {
        Path f = file("ac.safetensors", shapes("a", Shape.of(2, 3), "c", Shape.of(2)));
        Parameters p = params(10, shapes("a", Shape.of(2, 3), "b", Shape.of(3)));
        float[] b = host(p.get("b").value());
        LoadReport r = WeightLoader.load(f, be, p, NameMapping.identity(), Strictness.LENIENT);
        assertThat(host(p.get("a").value())).containsExactly(ramp(Shape.of(2, 3), 0));
        assertThat(host(p.get("b").value())).containsExactly(b);
        assertThat(r.loaded()).containsExactly(new LoadReport.Copy("a", "a"));
        assertThat(r.missing()).containsExactly("b");
        assertThat(r.unused()).containsExactly("c");
        assertThat(r.notMapped()).isEmpty();
    }

    @Test
    void aCorruptedFileIsRejectedAndLeavesTheParameters() throws Exception {
        CheckpointStore store = new CheckpointStore(dir.resolve("run"), 2);
        savedDecoder(store, 1, 1);
        Path folder = store.checkpoints().getFirst();
        Decoder b = fresh(2);
        float[] before = host(b.parameters().values());
        flipByte(folder.resolve("model.safetensors"), 3);
        assertThatThrownBy(() -> WeightLoader.load(folder, be, b.parameters(), NameMapping.identity(),
                Strictness.STRICT)).hasMessageContaining("model.safetensors fails its SHA-256 check");
        assertThat(host(b.parameters().values())).containsExactly(before);

        // Every file the manifest lists is verified, even one a weights-only load does not read.
        flipByte(folder.resolve("model.safetensors"), 3);
        flipByte(folder.resolve("optimizer.safetensors"), 5);
        assertThatThrownBy(() -> WeightLoader.load(folder, be, b.parameters(), NameMapping.identity(),
                Strictness.LENIENT)).hasMessageContaining("optimizer.safetensors fails its SHA-256 check");
        assertThat(host(b.parameters().values())).containsExactly(before);

        // A bare file has no checksum, but a damaged header is still caught.
        Path bare = Files.copy(folder.resolve("model.safetensors"), dir.resolve("bare.safetensors"));
        byte[] bytes = Files.readAllBytes(bare);
        bytes[8] = 'x';
        Files.write(bare, bytes);
        assertThatThrownBy(() -> WeightLoader.load(bare, be, b.parameters(), NameMapping.identity(),
                Strictness.STRICT)).isInstanceOf(SafetensorsException.class).hasMessageContaining("bare.safetensors");
        assertThat(host(b.parameters().values())).containsExactly(before);
    }

    @Test
    void loadLatestWeightsSkipsACorruptNewestCheckpointLoudly() throws Exception {
        CheckpointStore store = new CheckpointStore(dir.resolve("run"), 3);
        List<String> warnings = new ArrayList<>();
        assertThat(store.loadLatestWeights(be, fresh(0).parameters(), NameMapping.identity(), Strictness.STRICT,
                warnings::add)).isNull();
        Decoder older = savedDecoder(store, 1, 1);
        Decoder newer = savedDecoder(store, 2, 2);
        Path newest = store.checkpoints().getFirst();
        Decoder b = fresh(3);

        LoadReport r = store.loadLatestWeights(be, b.parameters(), NameMapping.identity(), Strictness.STRICT,
                warnings::add);
        assertThat(r.source()).isEqualTo(newest);
        assertThat(bits(host(b.parameters().values()))).containsExactly(bits(host(newer.parameters().values())));
        assertThat(warnings).isEmpty();

        flipByte(newest.resolve("model.safetensors"), 3);
        r = store.loadLatestWeights(be, b.parameters(), NameMapping.identity(), Strictness.STRICT, warnings::add);
        assertThat(r.source().getFileName()).hasToString("step-00000001");
        assertThat(bits(host(b.parameters().values()))).containsExactly(bits(host(older.parameters().values())));
        assertThat(warnings).singleElement().asString().contains("step-00000002")
                .contains("model.safetensors fails its SHA-256 check");
    }

    @Test
    void theMappingMustNotReturnNull() throws Exception {
        Path f = file("a.safetensors", shapes("a", Shape.of(2)));
        Parameters p = params(11, shapes("a", Shape.of(2)));
        NameMapping broken = t -> null;
        assertThatThrownBy(() -> WeightLoader.load(f, be, p, broken, Strictness.LENIENT))
                .hasMessageContaining("returned null for 'a'");
    }
}
