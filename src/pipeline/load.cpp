// Loading one lesion's inputs (the place where input formats are dispatched).
#include "radhpc/io/image_io.hpp"
#include "radhpc/pipeline/extract.hpp"

namespace radhpc::pipeline {

LesionInput load(const std::string& image_path, const std::string& mask_path, const Settings& settings) {
    LesionInput in;
    in.image_path = image_path;
    in.mask_path = mask_path;
    in.image = io::read_image(image_path, &in.pixel_type);
    in.mask = io::read_label_mask(mask_path, settings.label);
    return in;
}

}  // namespace radhpc::pipeline
