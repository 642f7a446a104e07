// Encapsulated pixel data that DCMTK does not decode for us: JPEG 2000 (through OpenJPEG, on the
// fragments DCMTK extracts) and RLE Lossless of 1-bit data (DCMTK's RLE codec refuses BitsAllocated < 8).
#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>
// by its versioned path: ITK's include directories hold its own (name-mangled) openjpeg.h
#include <openjpeg-2.5/openjpeg.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "dicom_internal.hpp"
#include "radhpc/core/error.hpp"

namespace radhpc::io::dicom_detail {

bool is_jpeg2000(E_TransferSyntax xfer) {
    return xfer == EXS_JPEG2000LosslessOnly || xfer == EXS_JPEG2000;
}

std::vector<std::vector<std::uint8_t>> encapsulated_frames(DcmDataset& ds, long frames, const std::string& path) {
    DcmElement* el = nullptr;
    if (ds.findAndGetElement(DCM_PixelData, el).bad() || !el) throw Error(ErrorKind::io, path + ": no PixelData (7FE0,0010)");
    auto* px = dynamic_cast<DcmPixelData*>(el);
    DcmPixelSequence* seq = nullptr;
    if (!px || px->getEncapsulatedRepresentation(ds.getOriginalXfer(), nullptr, seq).bad() || !seq)
        throw Error(ErrorKind::io, path + ": PixelData (7FE0,0010) is not an encapsulated pixel sequence");
    struct Fragment {
        const Uint8* data;
        std::size_t size;
        std::uint64_t offset;  // of the item tag, from the first fragment's tag (Basic Offset Table units)
    };
    std::vector<Fragment> fragments;
    std::vector<std::uint32_t> bot;
    std::uint64_t offset = 0;
    for (unsigned long i = 0; i < seq->card(); ++i) {
        DcmPixelItem* item = nullptr;
        if (seq->getItem(item, i).bad() || !item) throw Error(ErrorKind::io, path + ": unreadable pixel item " + std::to_string(i));
        Uint8* data = nullptr;
        const std::size_t size = item->getLength();
        if (size && (item->getUint8Array(data).bad() || !data))
            throw Error(ErrorKind::io, path + ": unreadable pixel item " + std::to_string(i) + " (truncated file?)");
        if (i == 0) {  // Basic Offset Table: empty, or one little-endian uint32 per frame
            if (size % 4) throw Error(ErrorKind::invalid_input, path + ": Basic Offset Table length not a multiple of 4");
            for (std::size_t k = 0; k < size; k += 4)
                bot.push_back(std::uint32_t(data[k]) | std::uint32_t(data[k + 1]) << 8 | std::uint32_t(data[k + 2]) << 16 |
                              std::uint32_t(data[k + 3]) << 24);
            continue;
        }
        fragments.push_back({data, size, offset});
        offset += 8 + size;
    }
    const std::string frames_text = " for NumberOfFrames (0028,0008) " + std::to_string(frames);
    std::vector<std::vector<std::uint8_t>> out;
    auto append = [](std::vector<std::uint8_t>& v, const Fragment& f) { v.insert(v.end(), f.data, f.data + f.size); };
    if (!bot.empty()) {
        if (long(bot.size()) != frames)
            throw Error(ErrorKind::invalid_input, path + ": Basic Offset Table lists " + std::to_string(bot.size()) + " frames" + frames_text);
        out.resize(std::size_t(frames));
        for (const auto& f : fragments) {
            // the frame whose offset is the last one <= the fragment's
            const auto it = std::upper_bound(bot.begin(), bot.end(), f.offset);
            if (it == bot.begin()) throw Error(ErrorKind::invalid_input, path + ": Basic Offset Table does not start at the first fragment");
            append(out[std::size_t(it - bot.begin() - 1)], f);
        }
    } else if (long(fragments.size()) == frames) {
        for (const auto& f : fragments) append(out.emplace_back(), f);
    } else if (frames == 1) {
        out.emplace_back();
        for (const auto& f : fragments) append(out.back(), f);
    } else {
        // several fragments per frame without an offset table: a JPEG 2000 frame starts with SOC+SIZ
        for (const auto& f : fragments) {
            const bool starts = f.size >= 4 && f.data[0] == 0xFF && f.data[1] == 0x4F && f.data[2] == 0xFF && f.data[3] == 0x51;
            if (starts || out.empty()) out.emplace_back();
            append(out.back(), f);
        }
    }
    if (long(out.size()) != frames)
        throw Error(ErrorKind::invalid_input, path + ": " + std::to_string(out.size()) + " compressed frames stored" + frames_text);
    for (std::size_t k = 0; k < out.size(); ++k)
        if (out[k].empty()) throw Error(ErrorKind::invalid_input, path + ": compressed frame " + std::to_string(k + 1) + " is empty");
    return out;
}

namespace {

struct MemoryStream {
    const std::uint8_t* data;
    std::size_t size, pos;
};

OPJ_SIZE_T mem_read(void* buffer, OPJ_SIZE_T n, void* user) {
    auto* m = static_cast<MemoryStream*>(user);
    if (m->pos >= m->size) return OPJ_SIZE_T(-1);  // end of stream
    const std::size_t k = std::min<std::size_t>(n, m->size - m->pos);
    std::memcpy(buffer, m->data + m->pos, k);
    m->pos += k;
    return k;
}
OPJ_OFF_T mem_skip(OPJ_OFF_T n, void* user) {
    auto* m = static_cast<MemoryStream*>(user);
    const auto target = std::clamp<std::int64_t>(std::int64_t(m->pos) + n, 0, std::int64_t(m->size));
    const OPJ_OFF_T moved = OPJ_OFF_T(target - std::int64_t(m->pos));
    m->pos = std::size_t(target);
    return moved;
}
OPJ_BOOL mem_seek(OPJ_OFF_T n, void* user) {
    auto* m = static_cast<MemoryStream*>(user);
    if (n < 0 || std::uint64_t(n) > m->size) return OPJ_FALSE;
    m->pos = std::size_t(n);
    return OPJ_TRUE;
}
void quiet(const char*, void*) {}  // OpenJPEG's messages go nowhere: radhpc writes its own

}  // namespace

J2kFrame decode_jpeg2000(const std::vector<std::uint8_t>& code, const std::string& where) {
    auto fail = [&](const std::string& why) {
        return Error(ErrorKind::io, where + ": JPEG 2000 pixel data cannot be decoded (" + why + ")");
    };
    if (code.size() < 12) throw fail("codestream too short");
    // a raw codestream (SOC marker) is what DICOM stores; a JP2 file wrapper is tolerated
    const bool raw = code[0] == 0xFF && code[1] == 0x4F;
    std::unique_ptr<opj_codec_t, void (*)(opj_codec_t*)> codec(opj_create_decompress(raw ? OPJ_CODEC_J2K : OPJ_CODEC_JP2),
                                                              opj_destroy_codec);
    std::unique_ptr<opj_stream_t, void (*)(opj_stream_t*)> stream(opj_stream_create(OPJ_J2K_STREAM_CHUNK_SIZE, OPJ_TRUE),
                                                                 opj_stream_destroy);
    if (!codec || !stream) throw fail("OpenJPEG could not start");
    opj_set_error_handler(codec.get(), quiet, nullptr);
    opj_set_warning_handler(codec.get(), quiet, nullptr);
    opj_set_info_handler(codec.get(), quiet, nullptr);
    MemoryStream mem{code.data(), code.size(), 0};
    opj_stream_set_user_data(stream.get(), &mem, nullptr);
    opj_stream_set_user_data_length(stream.get(), code.size());
    opj_stream_set_read_function(stream.get(), mem_read);
    opj_stream_set_skip_function(stream.get(), mem_skip);
    opj_stream_set_seek_function(stream.get(), mem_seek);
    opj_dparameters_t params;
    opj_set_default_decoder_parameters(&params);
    if (!opj_setup_decoder(codec.get(), &params)) throw fail("decoder setup");
    opj_image_t* raw_image = nullptr;
    if (!opj_read_header(stream.get(), codec.get(), &raw_image) || !raw_image) {
        if (raw_image) opj_image_destroy(raw_image);
        throw fail("unreadable codestream header");
    }
    std::unique_ptr<opj_image_t, void (*)(opj_image_t*)> image(raw_image, opj_image_destroy);
    if (image->numcomps != 1) throw fail(std::to_string(image->numcomps) + " components; a monochrome image has 1");
    const opj_image_comp_t& c = image->comps[0];
    if (c.dx != 1 || c.dy != 1 || c.prec < 1 || c.prec > 32) throw fail("unsupported component layout");
    // the decoder allocates w*h int32: refuse absurd sizes before it does (the caller checks Rows/Columns)
    if (std::uint64_t(c.w) * c.h > (std::uint64_t(1) << 28)) throw fail("frame of " + std::to_string(c.w) + "x" + std::to_string(c.h));
    if (!opj_decode(codec.get(), stream.get(), image.get()) || !opj_end_decompress(codec.get(), stream.get()))
        throw fail("corrupt codestream");
    const opj_image_comp_t& d = image->comps[0];
    if (!d.data) throw fail("no samples decoded");
    J2kFrame f;
    f.width = d.w;
    f.height = d.h;
    f.precision = int(d.prec);
    f.is_signed = d.sgnd != 0;
    f.values.assign(d.data, d.data + std::size_t(d.w) * d.h);
    return f;
}

std::vector<std::uint8_t> decode_rle(const std::vector<std::uint8_t>& frame, int segments, std::size_t segment_bytes,
                                     const std::string& where) {
    auto bad = [&](const std::string& why) { return Error(ErrorKind::invalid_input, where + ": corrupt RLE Lossless frame (" + why + ")"); };
    if (frame.size() < 64) throw bad("header shorter than 64 bytes");
    auto u32 = [&](std::size_t at) {
        return std::uint32_t(frame[at]) | std::uint32_t(frame[at + 1]) << 8 | std::uint32_t(frame[at + 2]) << 16 |
               std::uint32_t(frame[at + 3]) << 24;
    };
    const std::uint32_t count = u32(0);
    if (count != std::uint32_t(segments))
        throw bad(std::to_string(count) + " segments, expected " + std::to_string(segments));
    // segment s holds byte s of every sample, most significant first (PS3.5 Annex G); output is little endian
    std::vector<std::uint8_t> out(std::size_t(segments) * segment_bytes);
    for (int s = 0; s < segments; ++s) {
        const std::size_t begin = u32(4 + 4 * std::size_t(s));
        const std::size_t end = s + 1 < segments ? u32(8 + 4 * std::size_t(s)) : frame.size();
        if (begin < 64 || begin > end || end > frame.size()) throw bad("segment offset outside the frame");
        const int byte_in_sample = segments - 1 - s;
        std::size_t p = begin, n = 0;
        auto put = [&](std::uint8_t v) { out[n++ * std::size_t(segments) + std::size_t(byte_in_sample)] = v; };
        // PackBits; decoding stops once the segment is full (encoders may pad with a trailing byte)
        while (n < segment_bytes && p < end) {
            const auto h = std::int8_t(frame[p++]);
            if (h >= 0) {
                const std::size_t k = std::size_t(h) + 1;
                if (p + k > end || n + k > segment_bytes) throw bad("literal run beyond the segment");
                for (std::size_t i = 0; i < k; ++i) put(frame[p + i]);
                p += k;
            } else if (h != -128) {
                const std::size_t k = std::size_t(1 - h);
                if (p >= end || n + k > segment_bytes) throw bad("replicate run beyond the segment");
                for (std::size_t i = 0; i < k; ++i) put(frame[p]);
                ++p;
            }
        }
        if (n != segment_bytes) throw bad("segment " + std::to_string(s + 1) + " decodes to " + std::to_string(n) + " of " +
                                          std::to_string(segment_bytes) + " bytes");
    }
    return out;
}

}  // namespace radhpc::io::dicom_detail
