package io.fusion4j.api.nn;

import io.fusion4j.api.backend.AttentionMask;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.data.ImageSpan;
import io.fusion4j.api.data.MixedBatch;
import io.fusion4j.api.data.Modality;
import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.StepArena;
import io.fusion4j.api.tensor.Tensor;

import java.util.EnumMap;
import java.util.Map;

/**
 * What every layer may need to know about the tokens of one forward pass, on the backend: ids and RoPE positions
 * {@code [B, T]} (I32), the attention mask, for each modality the flat row indices ({@code b·T + t}, I32, ascending)
 * of the valid positions holding it (padding is in no modality's rows), and the continuous image inputs
 * ({@code [P, width]}, one row per image position in span order) when the batch has them. A modality-aware
 * feed-forward dispatches by {@link #rowsOf}; rows in no index (padding) get its output 0.
 */
public final class TokenMeta {
    private final int batch;
    private final int length;
    private final Tensor ids;
    private final Tensor positions;
    private final AttentionMask mask;
    private final Map<Modality, Tensor> rows;
    private final Map<Modality, Integer> counts;
    private final Tensor imageInputs;
    private final MixedBatch source;
    /** Host copies of the per-position modality ordinal (-1 for padding) and RoPE position, or null until needed. */
    private byte[] hostModality;
    private int[] hostPositions;

    private TokenMeta(int batch, int length, Tensor ids, Tensor positions, AttentionMask mask,
                      Map<Modality, Tensor> rows, Map<Modality, Integer> counts, Tensor imageInputs, MixedBatch source) {
        this.batch = batch;
        this.length = length;
        this.ids = ids;
        this.positions = positions;
        this.mask = mask;
        this.rows = rows;
        this.counts = counts;
        this.imageInputs = imageInputs;
        this.source = source;
    }

    /** Text-only tokens already on the backend: every position is text. */
    public static TokenMeta text(Tensor ids, Tensor positions, AttentionMask mask) {
        return uniform(ids, positions, mask, Modality.TEXT);
    }

    /** Tokens already on the backend whose positions all hold {@code m} (one decoded image token, say). */
    public static TokenMeta uniform(Tensor ids, Tensor positions, AttentionMask mask, Modality m) {
        int b = (int) ids.dim(0);
        int t = (int) ids.dim(1);
        Map<Modality, Integer> counts = new EnumMap<>(Modality.class);
        for (Modality x : Modality.values()) {
            counts.put(x, x == m ? b * t : 0);
        }
        return new TokenMeta(b, t, ids, positions, mask, null, counts, null, null);
    }

    /**
     * Uploads a host batch into {@code arena}: ids, positions, the per-modality row indices and the image inputs.
     *
     * @param bidirectionalImages whether attention inside an image span is bidirectional (Transfusion) or causal
     */
    public static TokenMeta upload(Backend backend, StepArena arena, MixedBatch b, boolean bidirectionalImages) {
        int n = b.rows() * b.length();
        Tensor ids = arena.allocate(DType.I32, Shape.of(b.rows(), b.length()));
        backend.copyFromHost(b.ids(), ids);
        Tensor pos = arena.allocate(DType.I32, Shape.of(b.rows(), b.length()));
        backend.copyFromHost(b.positions(), pos);
        // Padding belongs to no modality (-1): experts and routers never see it.
        byte[] mod = new byte[n];
        for (int i = 0; i < n; i++) {
            mod[i] = i % b.length() < b.validLength()[i / b.length()] ? b.modality()[i] : -1;
        }
        Map<Modality, Integer> counts = counts(mod);
        Map<Modality, Tensor> rows = rows(backend, arena, mod, counts);
        Tensor inputs = null;
        if (b.imageInputs() != null) {
            long p = 0;
            for (ImageSpan s : b.images()) {
                p += s.length();
            }
            inputs = arena.allocate(DType.F32, Shape.of(p, b.imageInputWidth()));
            backend.copyFromHost(b.imageInputs(), inputs);
        }
        TokenMeta meta = new TokenMeta(b.rows(), b.length(), ids, pos, b.mask(bidirectionalImages), rows, counts,
                inputs, b);
        meta.hostPositions = b.positions();
        meta.hostModality = mod;
        return meta;
    }

    /**
     * The tokens at a subset of each row's positions, as a pass of {@code batch × k}: row {@code b} keeps its
     * positions {@code chosen[b·k .. b·k+k)} (ascending), which keep their RoPE positions, modality and padding; the
     * mask is {@link AttentionMask#select this mask among them}. A depth router's block runs on it. Continuous image
     * inputs are not carried (they enter at the embedding, before any block).
     */
    public TokenMeta select(Backend backend, StepArena arena, int[] chosen, int k) {
        return select(backend, arena, chosen, k, null);
    }

    /**
     * As {@link #select(Backend, StepArena, int[], int)} for rows that keep different numbers of positions (causal
     * depth routing): row {@code b} keeps the first {@code kept[b]} of its {@code k} entries; the others are filler,
     * treated as padding (no modality, no key seen or seen by). A filler entry must still name a position of its row.
     * {@code kept} null keeps all {@code k}.
     */
    public TokenMeta select(Backend backend, StepArena arena, int[] chosen, int k, int[] kept) {
        if (chosen.length != batch * k) {
            throw new IllegalArgumentException("select: chosen must hold " + batch + " rows of " + k + " positions, found "
                    + chosen.length);
        }
        byte[] mod = hostModality(backend);
        int[] pos = hostPositions(backend);
        int n = batch * k;
        int[] flat = new int[n];
        int[] subPos = new int[n];
        byte[] subMod = new byte[n];
        for (int b = 0; b < batch; b++) {
            int real = kept == null ? k : kept[b];
            for (int j = 0; j < k; j++) {
                int i = b * k + j;
                flat[i] = b * length + chosen[i];
                subPos[i] = pos[flat[i]];
                subMod[i] = j < real ? mod[flat[i]] : -1;
            }
        }
        AttentionMask subMask = mask.select(chosen, k, kept);
        Tensor flatRows = arena.allocate(DType.I32, Shape.of(n));
        backend.copyFromHost(flat, flatRows);
        Tensor subIds = arena.allocate(DType.I32, Shape.of(batch, k));
        backend.gatherIndices(ids.reshape(ids.numel()), flatRows, subIds.reshape(n));
        Tensor subPositions = arena.allocate(DType.I32, Shape.of(batch, k));
        backend.copyFromHost(subPos, subPositions);
        Map<Modality, Integer> counts = counts(subMod);
        Map<Modality, Tensor> rows = rows(backend, arena, subMod, counts);
        TokenMeta sub = new TokenMeta(batch, k, subIds, subPositions, subMask, rows, counts, null, null);
        sub.hostModality = subMod;
        sub.hostPositions = subPos;
        return sub;
    }

    /** How many positions hold each modality; padding ({@code -1}) counts in none. */
    private static Map<Modality, Integer> counts(byte[] mod) {
        int[] count = new int[Modality.values().length];
        for (byte m : mod) {
            if (m >= 0) {
                count[m]++;
            }
        }
        Map<Modality, Integer> counts = new EnumMap<>(Modality.class);
        for (Modality m : Modality.values()) {
            counts.put(m, count[m.ordinal()]);
        }
        return counts;
    }

    /**
     * The ascending row indices of each modality present, uploaded; null when one modality fills every position (no
     * index to dispatch by, so a full text batch uploads nothing extra).
     */
    private static Map<Modality, Tensor> rows(Backend backend, StepArena arena, byte[] mod, Map<Modality, Integer> counts) {
        if (counts.containsValue(mod.length)) {
            return null;
        }
        Map<Modality, Tensor> rows = new EnumMap<>(Modality.class);
        for (Modality m : Modality.values()) {
            int c = counts.get(m);
            if (c == 0) {
                continue;
            }
            int[] idx = new int[c];
            int q = 0;
            for (int i = 0; i < mod.length; i++) {
                if (mod[i] == m.ordinal()) {
                    idx[q++] = i;
                }
            }
            Tensor t = arena.allocate(DType.I32, Shape.of(c));
            backend.copyFromHost(idx, t);
            rows.put(m, t);
        }
        return rows;
    }

    /** Per position: the modality ordinal, or -1 for padding (which a causal mask gives no key). */
    private byte[] hostModality(Backend backend) {
        if (hostModality == null) {
            Modality u = uniformModality();
            byte[] m = new byte[(int) tokens()];
            java.util.Arrays.fill(m, (byte) (u == null ? 0 : u.ordinal()));
            hostModality = m;
        }
        return hostModality;
    }

    private int[] hostPositions(Backend backend) {
        if (hostPositions == null) {
            int[] p = new int[(int) tokens()];
            backend.copyToHost(positions, p);
            hostPositions = p;
        }
        return hostPositions;
    }

    /** Each row's modality on the host, {@code null} for padding: {@code modality[b·T + t]} (a fresh array). */
    public Modality[] hostModalities(Backend backend) {
        byte[] m = hostModality(backend);
        Modality[] out = new Modality[m.length];
        for (int i = 0; i < m.length; i++) {
            out[i] = m[i] < 0 ? null : Modality.of(m[i]);
        }
        return out;
    }

    /**
     * Whether each row is a position a router may route (not padding), on the host: {@code valid[b·T + t]}.
     */
    public boolean[] hostValid(Backend backend) {
        byte[] m = hostModality(backend);
        boolean[] v = new boolean[m.length];
        for (int i = 0; i < m.length; i++) {
            v[i] = m[i] >= 0;
        }
        return v;
    }

    public int batch() {
        return batch;
    }

    public int length() {
        return length;
    }

    /** Rows of the flattened {@code [B·T, d]} activations. */
    public long tokens() {
        return (long) batch * length;
    }

    public Tensor ids() {
        return ids;
    }

    public Tensor positions() {
        return positions;
    }

    public AttentionMask mask() {
        return mask;
    }

    /** Positions that are not padding: the rows a router may route. */
    public long validTokens() {
        long v = 0;
        for (int c : counts.values()) {
            v += c;
        }
        return v;
    }

    /** How many valid positions (padding excluded) hold modality {@code m}. */
    public int countOf(Modality m) {
        return counts.get(m);
    }

    /**
     * The flat row indices of the positions holding {@code m}, ascending, as I32 {@code [countOf(m)]}; null when there
     * are none, and also when every position holds one modality ({@link #uniformModality()}), where no index is
     * needed: check that first.
     */
    public Tensor rowsOf(Modality m) {
        return rows == null ? null : rows.get(m);
    }

    /**
     * The modality every position holds when there is no padding, or null (mixed modalities, or padding to leave
     * out): a modality-aware layer can then skip dispatch and run on all rows.
     */
    public Modality uniformModality() {
        for (Modality m : Modality.values()) {
            if (counts.get(m) == tokens()) {
                return m;
            }
        }
        return null;
    }

    /** Continuous image inputs {@code [P, width]} or null. */
    public Tensor imageInputs() {
        return imageInputs;
    }

    /** The host batch these tokens came from, or null for {@link #text}. */
    public MixedBatch source() {
        return source;
    }
}
