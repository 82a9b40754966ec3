package io.fusion4j.eval.classify;

import io.fusion4j.api.UserInputException;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.backend.BackendOptions;
import io.fusion4j.api.backend.Backends;
import io.fusion4j.api.data.Image;
import io.fusion4j.eval.data.shapes.ShapesWorld;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The cache with a tiny recipe (a few steps of a small net on 16×16 shapes): cheap to train, retrain and compare. */
class ShapesClassifierCacheTest {
    private static final LabelledImages DATA = LabelledImages.shapes(new ShapesWorld(16, 0, Set.of()));
    private static final ClassifierConfig TINY = new ClassifierConfig(ClassifierTask.SHAPES, 3, 16, List.of(4, 8),
            16, 1e-5f);
    private static final ImageClassifier.Training FEW = new ImageClassifier.Training(5, 8, 3e-3, 11, 64);

    private static List<Image> images() {
        List<Image> out = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            out.add(DATA.example(true, i).image());
        }
        return out;
    }

    private static double[][] loadFeatures(Path cache, List<String> lines) throws Exception {
        try (Backend be = Backends.discover().create("cpu", BackendOptions.withThreads(2));
             ImageClassifier c = ClassifierCache.load(cache, DATA, TINY, FEW, be, false, lines::add)) {
            return c.features(images());
        }
    }

    private static Path only(Path cache) throws Exception {
        try (Stream<Path> s = Files.list(cache)) {
            List<Path> all = s.toList();
            assertThat(all).as("the cache holds one folder and no temporary ones").hasSize(1);
            return all.getFirst();
        }
    }

    @Test
    void trainingTwiceWithOneSeedGivesBitIdenticalFeatures(@TempDir Path dir) throws Exception {
        double[][] a = loadFeatures(dir.resolve("a"), new ArrayList<>());
        double[][] b = loadFeatures(dir.resolve("b"), new ArrayList<>());
        assertThat(b).isDeepEqualTo(a);
    }

    @Test
    void aCachedClassifierIsLoadedWithoutTraining(@TempDir Path cache) throws Exception {
        List<String> first = new ArrayList<>();
        double[][] trained = loadFeatures(cache, first);
        assertThat(first).anyMatch(l -> l.startsWith("classifier step 5/5 loss "));
        Path folder = only(cache);
        assertThat(folder.resolve(ClassifierCache.WEIGHTS)).isRegularFile();
        List<String> second = new ArrayList<>();
        assertThat(loadFeatures(cache, second)).isDeepEqualTo(trained);
        assertThat(second).noneMatch(l -> l.startsWith("classifier step")).anyMatch(l -> l.contains("loaded"));
    }

    @Test
    void aCorruptedWeightsFileIsDetectedAndRetrained(@TempDir Path cache) throws Exception {
        double[][] trained = loadFeatures(cache, new ArrayList<>());
        Path weights = only(cache).resolve(ClassifierCache.WEIGHTS);
        byte[] bytes = Files.readAllBytes(weights);
        bytes[bytes.length - 3] ^= 0x40; // one bit of one weight: the header still parses
        Files.write(weights, bytes);
        List<String> lines = new ArrayList<>();
        assertThat(loadFeatures(cache, lines)).as("retrained from the same seed").isDeepEqualTo(trained);
        assertThat(lines).anyMatch(l -> l.contains("unusable") && l.contains("SHA-256"))
                .anyMatch(l -> l.startsWith("classifier step"));
        List<String> after = new ArrayList<>();
        loadFeatures(cache, after);
        assertThat(after).as("the retrained copy replaced the damaged one").anyMatch(l -> l.contains("loaded"));
    }

    @Test
    void aDamagedOrMissingJsonIsRetrained(@TempDir Path cache) throws Exception {
        loadFeatures(cache, new ArrayList<>());
        Path info = only(cache).resolve(ClassifierCache.INFO);
        Files.writeString(info, "{\"recipe_version\": ");
        List<String> lines = new ArrayList<>();
        loadFeatures(cache, lines);
        assertThat(lines).anyMatch(l -> l.contains("unusable") && l.contains("not JSON"))
                .anyMatch(l -> l.startsWith("classifier step"));
        Files.delete(only(cache).resolve(ClassifierCache.WEIGHTS));
        List<String> again = new ArrayList<>();
        loadFeatures(cache, again);
        assertThat(again).anyMatch(l -> l.contains("unusable") && l.contains("missing"));
    }

    @Test
    void anotherSeedOrRecipeIsCachedApart(@TempDir Path cache) throws Exception {
        loadFeatures(cache, new ArrayList<>());
        try (Backend be = Backends.discover().create("cpu", BackendOptions.withThreads(2));
             ImageClassifier c = ClassifierCache.load(cache, DATA, TINY, new ImageClassifier.Training(5, 8, 3e-3, 12,
                     64), be, false, l -> { })) {
            assertThat(c.heldOutAccuracy().images()).isEqualTo(64);
        }
        try (Stream<Path> s = Files.list(cache)) {
            assertThat(s.map(p -> p.getFileName().toString()).toList()).hasSize(2)
                    .anyMatch(n -> n.startsWith("shapes-16px-seed11-")).anyMatch(n -> n.startsWith("shapes-16px-seed12-"));
        }
    }

    @Test
    void unknownDatasetsAndSizesAreRefused(@TempDir Path cache) {
        assertThatThrownBy(() -> ClassifierCache.load(cache, "cifar", 32, 0, l -> { }))
                .isInstanceOf(UserInputException.class).hasMessageContaining("shapes or mnist").hasMessageContaining("cifar");
        assertThatThrownBy(() -> ClassifierCache.load(cache, "mnist", 32, 0, l -> { }))
                .isInstanceOf(UserInputException.class).hasMessageContaining("28x28");
    }

    @Test
    void aShapesClassifierHasNoDigitsAndADigitTaskRefusesShapesData() throws Exception {
        try (Backend be = Backends.discover().create("cpu", BackendOptions.withThreads(2))) {
            ClassifierConfig digits = new ClassifierConfig(ClassifierTask.DIGITS, 3, 16, List.of(4, 8), 16, 1e-5f);
            assertThatThrownBy(() -> ImageClassifier.train(be, DATA, digits, FEW, l -> { }))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("DIGITS classifier")
                    .hasMessageContaining("SHAPES dataset");
        }
    }
}
