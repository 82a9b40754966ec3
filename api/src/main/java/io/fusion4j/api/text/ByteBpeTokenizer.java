package io.fusion4j.api.text;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Byte-level BPE trained in-house. Ids 0..255 are the bytes of UTF-8; each learned merge of two ids
 * adds one id; special tokens (such as an end-of-document marker) come after the merges and are never
 * produced from text. Text is split into pieces (a run of letters or of digits with at most one leading
 * space, a run of other non-space characters, a run of spaces) and merges never cross pieces. Decoding
 * concatenates the bytes of the ids, so {@code decode(encode(s)).equals(s)} for every string that is
 * valid UTF-16 (every valid UTF-8 text).
 */
public final class ByteBpeTokenizer {
    private static final String MAGIC = "#fusion4j byte-level BPE v1";

    private final int[][] merges;          // merge i: {left, right} -> id 256 + i
    private final Map<Long, Integer> rank; // (left, right) -> merge index
    private final byte[][] bytesOf;        // id -> bytes
    private final List<String> specials;
    private final Map<String, int[]> cache = new HashMap<>();

    private ByteBpeTokenizer(int[][] merges, List<String> specials) {
        this.merges = merges;
        this.specials = List.copyOf(specials);
        this.rank = new HashMap<>();
        this.bytesOf = new byte[256 + merges.length][];
        for (int b = 0; b < 256; b++) {
            bytesOf[b] = new byte[]{(byte) b};
        }
        for (int i = 0; i < merges.length; i++) {
            int l = merges[i][0];
            int r = merges[i][1];
            rank.put(key(l, r), i);
            byte[] a = bytesOf[l];
            byte[] c = bytesOf[r];
            byte[] m = java.util.Arrays.copyOf(a, a.length + c.length);
            System.arraycopy(c, 0, m, a.length, c.length);
            bytesOf[256 + i] = m;
        }
    }

    private static long key(int l, int r) {
        return ((long) l << 32) | (r & 0xffffffffL);
    }

    /** Vocabulary size: bytes, merges, specials. */
    public int vocabSize() {
        return 256 + merges.length + specials.size();
    }

    public int mergeCount() {
        return merges.length;
    }

    /** Id of a special token. */
    public int specialId(String name) {
        int i = specials.indexOf(name);
        if (i < 0) {
            throw new IllegalArgumentException("no special token '" + name + "'; the tokenizer has " + specials);
        }
        return 256 + merges.length + i;
    }

    /** Splits text into the pieces merges may not cross. */
    static List<String> pieces(String text) {
        List<String> out = new ArrayList<>();
        int i = 0;
        int n = text.length();
        while (i < n) {
            int start = i;
            int cp = text.codePointAt(i);
            if (cp == ' ' && i + 1 < n && !Character.isWhitespace(text.codePointAt(i + 1))) {
                i++; // a single leading space joins the following piece
                cp = text.codePointAt(i);
            }
            int cls = charClass(cp);
            i += Character.charCount(cp);
            while (i < n) {
                int c = text.codePointAt(i);
                if (charClass(c) != cls || (cls == 3 && c == ' ' && i + 1 < n && !Character.isWhitespace(text.codePointAt(i + 1)))) {
                    break;
                }
                i += Character.charCount(c);
            }
            out.add(text.substring(start, i));
        }
        return out;
    }

    private static int charClass(int cp) {
        if (Character.isLetter(cp)) {
            return 0;
        }
        if (Character.isDigit(cp)) {
            return 1;
        }
        return Character.isWhitespace(cp) ? 3 : 2;
    }

    /** Token ids of {@code text}. */
    public int[] encode(String text) {
        List<int[]> parts = new ArrayList<>();
        int total = 0;
        for (String p : pieces(text)) {
            int[] ids = cache.get(p);
            if (ids == null) {
                ids = mergePiece(p.getBytes(StandardCharsets.UTF_8));
                if (cache.size() < 100_000) {
                    cache.put(p, ids);
                }
            }
            parts.add(ids);
            total += ids.length;
        }
        int[] out = new int[total];
        int o = 0;
        for (int[] p : parts) {
            System.arraycopy(p, 0, out, o, p.length);
            o += p.length;
        }
        return out;
    }

    /** Applies merges to one piece, lowest rank first (the order they were learned). */
    private int[] mergePiece(byte[] bytes) {
        int[] ids = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            ids[i] = bytes[i] & 0xff;
        }
        int len = ids.length;
        while (len > 1) {
            int best = Integer.MAX_VALUE;
            int at = -1;
            for (int i = 0; i + 1 < len; i++) {
                Integer r = rank.get(key(ids[i], ids[i + 1]));
                if (r != null && r < best) {
                    best = r;
                    at = i;
                }
            }
            if (at < 0) {
                break;
            }
            int merged = 256 + best;
            int l = merges[best][0];
            int r = merges[best][1];
            int w = 0;
            for (int i = 0; i < len; i++) {
                if (i + 1 < len && ids[i] == l && ids[i + 1] == r) {
                    ids[w++] = merged;
                    i++;
                } else {
                    ids[w++] = ids[i];
                }
            }
            len = w;
        }
        return java.util.Arrays.copyOf(ids, len);
    }

    /** The text of {@code ids}; special tokens decode to nothing. */
    public String decode(int[] ids) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int id : ids) {
            if (id < 0 || id >= vocabSize()) {
                throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, " + vocabSize() + ")");
            }
            if (id < bytesOf.length) {
                out.writeBytes(bytesOf[id]);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /**
     * Learns up to {@code merges} merges from {@code corpus}: each round merges the most frequent adjacent
     * pair (ties: the smallest pair of ids), stopping early when no pair occurs twice.
     */
    public static ByteBpeTokenizer train(String corpus, int merges, List<String> specials) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (String p : pieces(corpus)) {
            counts.merge(p, 1, Integer::sum);
        }
        List<int[]> words = new ArrayList<>();
        List<Integer> freq = new ArrayList<>();
        for (Map.Entry<String, Integer> e : counts.entrySet()) {
            byte[] b = e.getKey().getBytes(StandardCharsets.UTF_8);
            int[] ids = new int[b.length];
            for (int i = 0; i < b.length; i++) {
                ids[i] = b[i] & 0xff;
            }
            words.add(ids);
            freq.add(e.getValue());
        }
        List<int[]> learned = new ArrayList<>();
        for (int m = 0; m < merges; m++) {
            Map<Long, Long> pairs = new HashMap<>();
            for (int w = 0; w < words.size(); w++) {
                int[] ids = words.get(w);
                for (int i = 0; i + 1 < ids.length; i++) {
                    pairs.merge(key(ids[i], ids[i + 1]), (long) freq.get(w), Long::sum);
                }
            }
            long bestKey = 0;
            long bestCount = 1;
            for (Map.Entry<Long, Long> e : pairs.entrySet()) {
                long c = e.getValue();
                if (c > bestCount || (c == bestCount && c > 1 && Long.compareUnsigned(e.getKey(), bestKey) < 0)) {
                    bestCount = c;
                    bestKey = e.getKey();
                }
            }
            if (bestCount < 2) {
                break;
            }
            int l = (int) (bestKey >>> 32);
            int r = (int) bestKey;
            int id = 256 + learned.size();
            learned.add(new int[]{l, r});
            for (int w = 0; w < words.size(); w++) {
                int[] ids = words.get(w);
                int[] out = new int[ids.length];
                int o = 0;
                for (int i = 0; i < ids.length; i++) {
                    if (i + 1 < ids.length && ids[i] == l && ids[i + 1] == r) {
                        out[o++] = id;
                        i++;
                    } else {
                        out[o++] = ids[i];
                    }
                }
                words.set(w, java.util.Arrays.copyOf(out, o));
            }
        }
        return new ByteBpeTokenizer(learned.toArray(new int[0][]), specials);
    }

    /** Writes the merges and specials as text. */
    /** Writes the tokenizer to {@code path} atomically: a crash leaves the old file or the new one, never half. */
    public void save(Path path) throws IOException {
        io.fusion4j.api.io.CheckpointStore.writeAtomically(path, text().getBytes(StandardCharsets.UTF_8));
    }

    /** The file format of {@link #save}. */
    public String text() {
        StringBuilder b = new StringBuilder(MAGIC).append('\n');
        b.append("merges ").append(merges.length).append('\n');
        for (int[] m : merges) {
            b.append(m[0]).append(' ').append(m[1]).append('\n');
        }
        for (String s : specials) {
            b.append("special ").append(s).append('\n');
        }
        return b.toString();
    }

    /** Reads a file written by {@link #save}; errors name the file and line. */
    public static ByteBpeTokenizer load(Path path) throws IOException {
        // Capped and strict: a binary or huge file is a named error, not "Input length = 1" or an out-of-memory.
        List<String> lines = io.fusion4j.api.io.BoundedText.read(path, 64L << 20).lines().toList();
        if (lines.isEmpty() || !lines.get(0).equals(MAGIC)) {
            throw new io.fusion4j.api.UserInputException(path + ": line 1 must be \"" + MAGIC + "\"");
        }
        if (lines.size() < 2 || !lines.get(1).startsWith("merges ")) {
            throw new io.fusion4j.api.UserInputException(path + ": line 2 must be \"merges <count>\"");
        }
        int count;
        try {
            count = Integer.parseInt(lines.get(1).substring(7).trim());
        } catch (NumberFormatException e) {
            throw new io.fusion4j.api.UserInputException(path + ": line 2: merge count is not a number: " + lines.get(1));
        }
        if (count < 0 || lines.size() < 2 + count) {
            throw new io.fusion4j.api.UserInputException(path + ": line 2 announces " + count + " merges but the file has "
                    + Math.max(0, lines.size() - 2) + " more lines");
        }
        int[][] merges = new int[count][];
        for (int i = 0; i < count; i++) {
            String line = lines.get(2 + i);
            String[] f = line.trim().split(" ");
            int l;
            int r;
            try {
                l = Integer.parseInt(f[0]);
                r = Integer.parseInt(f[1]);
            } catch (RuntimeException e) {
                throw new io.fusion4j.api.UserInputException(path + ": line " + (3 + i) + ": expected two ids, found \"" + line + "\"");
            }
            if (f.length != 2 || l < 0 || r < 0 || l >= 256 + i || r >= 256 + i) {
                throw new io.fusion4j.api.UserInputException(path + ": line " + (3 + i) + ": merge \"" + line
                        + "\" must join two ids below " + (256 + i));
            }
            merges[i] = new int[]{l, r};
        }
        List<String> specials = new ArrayList<>();
        for (int i = 2 + count; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isEmpty()) {
                continue;
            }
            if (!line.startsWith("special ") || line.length() <= 8) {
                throw new io.fusion4j.api.UserInputException(path + ": line " + (i + 1) + ": expected \"special <name>\", found \""
                        + line + "\"");
            }
            specials.add(line.substring(8));
        }
        return new ByteBpeTokenizer(merges, specials);
    }
}
