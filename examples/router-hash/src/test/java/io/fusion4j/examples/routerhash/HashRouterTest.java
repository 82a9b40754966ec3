package io.fusion4j.examples.routerhash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fusion4j.api.UserInputException;
import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.LossSink;
import io.fusion4j.api.autograd.Parameters;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.backend.BackendOptions;
import io.fusion4j.api.backend.Backends;
import io.fusion4j.api.data.DataPosition;
import io.fusion4j.api.data.MixedBatch;
import io.fusion4j.api.nn.ForwardPass;
import io.fusion4j.api.nn.TokenMeta;
import io.fusion4j.api.router.Router;
import io.fusion4j.api.router.RouterContext;
import io.fusion4j.api.router.RouterInput;
import io.fusion4j.api.router.RouterSpec;
import io.fusion4j.api.router.Routers;
import io.fusion4j.api.router.Routing;
import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.StepArena;
import io.fusion4j.api.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The {@code hash} router as a model would find and use it: built by name through {@link Routers#discover()} (this
 * module's {@code provides}), routing a batch with padding by token id and a group without layout by row index,
 * checked row by row against the hash computed here in BigInteger, and against the Router contract (rows sorted by
 * expert, offsets matching counts, no row twice, padding never routed, no gates, nothing dropped).
 */
class HashRouterTest {
    private static final int DIM = 3;
    private static Backend be;
    private static Routers routers;

    @BeforeAll
    static void start() {
        be = Backends.discover().create("cpu", BackendOptions.withThreads(1));
        routers = Routers.discover();
    }

    @AfterAll
    static void stop() {
        be.close();
    }

    /** The expert of {@code key} as the README states it, computed without the router's code: ((key + salt)·M) mod E. */
    private static int want(long key, int salt, int experts) {
        return BigInteger.valueOf(key).add(BigInteger.valueOf(salt)).multiply(BigInteger.valueOf(2654435761L))
                .mod(BigInteger.valueOf(experts)).intValueExact();
    }

    private static Router build(RouterSpec spec, int experts) {
        Parameters params = new Parameters();
        Router r = routers.create(spec, new RouterContext(params, "layers.0.ffn.router", DIM, experts, 0, 0.02f, routers));
        assertThat(params.declaredCount()).as("the hash router declares no parameters").isZero();
        return r;
    }

    /** A routing read back: per expert the rows it takes, in routing order, after checking the contract. */
    private static List<List<Integer>> perExpert(Routing r, long n, int experts) {
        assertThat(r.tokens()).isEqualTo(n);
        assertThat(r.experts()).isEqualTo(experts);
        assertThat(r.gates()).as("hash routing has no gate (weight 1)").isNull();
        assertThat(r.dropped()).isZero();
        int[] rows = new int[(int) r.assignments()];
        if (rows.length > 0) {
            be.copyToHost(r.rows(), rows);
        }
        int[] off = new int[experts + 1];
        be.copyToHost(r.offsets(), off);
        assertThat(off).as("backend offsets = host offsets from counts").containsExactly(r.hostOffsets());
        assertThat(off[0]).isZero();
        assertThat(off[experts]).isEqualTo(rows.length);
        List<List<Integer>> out = new ArrayList<>();
        for (int e = 0; e < experts; e++) {
            List<Integer> mine = new ArrayList<>();
            for (int i = off[e]; i < off[e + 1]; i++) {
                assertThat(rows[i]).isBetween(0, (int) n - 1);
                mine.add(rows[i]);
            }
            assertThat(mine).as("expert %d: each row at most once", e).doesNotHaveDuplicates();
            out.add(mine);
        }
        return out;
    }

    /** Routes a {@code rows × length} batch whose row r is valid up to {@code valid[r]}, hidden states all zero. */
    private static List<List<Integer>> routeBatch(Router router, int rows, int length, int[] ids, int[] valid) {
        int n = rows * length;
        MixedBatch b = new MixedBatch(rows, length, ids, new int[n], new byte[n], new byte[n], valid,
                new int[rows][0], List.of(), null, 0, DataPosition.START);
        try (StepArena arena = be.newArena()) {
            Graph g = new Graph(be, arena, false);
            TokenMeta tokens = TokenMeta.upload(be, arena, b, false);
            Tensor h = arena.allocateZeroed(DType.F32, Shape.of(n, DIM));
            Routing r = router.route(new RouterInput(new ForwardPass(g, tokens, LossSink.NONE),
                    g.constant(h), tokens));
            return perExpert(r, n, router.experts());
        }
    }

    @ParameterizedTest(name = "E={0} salt={1}")
    @CsvSource({"4, 0", "8, 0", "3, 0", "5, 17", "7, -3", "1, 0"})
    void routesEveryValidTokenToTheExpertItsIdHashesToAndPaddingToNone(int experts, int salt) {
        int rows = 3;
        int length = 9;
        int[] valid = {9, 5, 0}; // a full row, a padded row, a row of padding only
        int[] ids = new int[rows * length];
        SplittableRandom rnd = new SplittableRandom(experts * 31L + salt);
        for (int i = 0; i < ids.length; i++) {
            ids[i] = rnd.nextInt(1 << 20);
        }
        ids[0] = 0;
        ids[1] = 1;
        ids[2] = Integer.MAX_VALUE;
        RouterSpec spec = salt == 0 ? RouterSpec.of("hash") : RouterSpec.of("hash", "salt", salt);
        List<List<Integer>> got = routeBatch(build(spec, experts), rows, length, ids, valid);

        List<List<Integer>> want = new ArrayList<>();
        for (int e = 0; e < experts; e++) {
            want.add(new ArrayList<>());
        }
        for (int r = 0; r < rows; r++) {
            for (int t = 0; t < valid[r]; t++) {
                int row = r * length + t;
                want.get(want(ids[row], salt, experts)).add(row);
            }
        }
        // Rows sorted by expert, ascending inside each; the padding rows (1·9+5 .. 1·9+8, 18 .. 26) are in no list.
        assertThat(got).isEqualTo(want);
        assertThat(got.stream().mapToInt(List::size).sum()).isEqualTo(9 + 5);
    }

    @Test
    void knownValuesOfTheHash() {
        // 2654435761 = 0x9E3779B1 ≡ 1 (mod 8): with 8 experts the hash is (id + salt) mod 8.
        assertThat(HashRouter.expert(0, 0, 4)).isZero();
        assertThat(HashRouter.expert(5, 0, 8)).isEqualTo(5);
        assertThat(HashRouter.expert(5, 3, 8)).isZero();
        assertThat(HashRouter.expert(1, 0, 5)).isEqualTo((int) (2654435761L % 5));
        assertThat(HashRouter.expert(2, 0, 7)).isEqualTo((int) ((2 * 2654435761L) % 7));
        assertThat(HashRouter.expert(-1, 0, 7)).isBetween(0, 6).isEqualTo(want(-1, 0, 7));
        assertThat(HashRouter.expert(Integer.MAX_VALUE, Integer.MAX_VALUE, 6)).isEqualTo(want(Integer.MAX_VALUE,
                Integer.MAX_VALUE, 6));
    }

    @Test
    void aGroupWithoutLayoutIsHashedByRowIndex() {
        int experts = 3;
        int n = 11;
        Router router = build(RouterSpec.of("hash", "salt", 2), experts);
        try (StepArena arena = be.newArena()) {
            Graph g = new Graph(be, arena, false);
            TokenMeta any = TokenMeta.upload(be, arena,
                    MixedBatch.textOnly(1, 1, new int[1], new int[1], DataPosition.START), false);
            Tensor h = arena.allocateZeroed(DType.F32, Shape.of(n, DIM));
            Routing r = router.route(new RouterInput(new ForwardPass(g, any, LossSink.NONE),
                    g.constant(h), null));
            List<List<Integer>> got = perExpert(r, n, experts);
            for (int e = 0; e < experts; e++) {
                for (int row : got.get(e)) {
                    assertThat(want(row, 2, experts)).as("row %d", row).isEqualTo(e);
                }
            }
            assertThat(got.stream().mapToInt(List::size).sum()).as("every row routed once").isEqualTo(n);

            // An empty group routes nothing.
            Routing empty = router.route(new RouterInput(new ForwardPass(g, any, LossSink.NONE),
                    g.constant(arena.allocateZeroed(DType.F32, Shape.of(0, DIM))), null));
            assertThat(perExpert(empty, 0, experts)).allSatisfy(l -> assertThat(l).isEmpty());
            assertThat(empty.counts()).containsOnly(0);
        }
    }

    @Test
    void isFoundByNameWithItsOptionAndRefusesBadValues() {
        assertThat(routers.names()).contains("hash");
        assertThat(routers.provider("hash").options()).singleElement()
                .satisfies(o -> assertThat(o.describe()).isEqualTo("salt (integer, default 0): added to the token id"
                        + " before hashing"));
        Router r = build(RouterSpec.of("hash"), 6);
        assertThat(r.experts()).isEqualTo(6);
        assertThat(r.causal()).isTrue();
        assertThat(r.name()).isEqualTo("layers.0.ffn.router");
        assertThat(r.parameterNames()).isEmpty();
        assertThat(r.groups()).singleElement().satisfies(gr -> assertThat(gr.experts()).isEqualTo(6));
        assertThatThrownBy(() -> build(RouterSpec.of("hash", "salt", 1.5), 4)).isInstanceOf(UserInputException.class)
                .hasMessage("router 'hash' option 'salt' must be an integer, found 1.5 (Double)");
        assertThatThrownBy(() -> build(RouterSpec.of("hash", "seed", 1), 4)).isInstanceOf(UserInputException.class)
                .hasMessageContaining("router 'hash' has no option 'seed'");
    }

    @Test
    void theSameTokensRouteTheSameWay() {
        int[] ids = {7, 7, 3, 100, 7, 3};
        Router router = build(RouterSpec.of("hash"), 4);
        assertThat(routeBatch(router, 2, 3, ids, new int[]{3, 3}))
                .isEqualTo(routeBatch(build(RouterSpec.of("hash"), 4), 2, 3, ids, new int[]{3, 3}));
        // Equal ids share an expert wherever they stand.
        List<List<Integer>> got = routeBatch(router, 2, 3, ids, new int[]{3, 3});
        int e7 = want(7, 0, 4);
        assertThat(got.get(e7)).contains(0, 1, 4);
    }
}
