// A product's texts and image URLs, made from its stored facts. A text
// change (/_sim/change "text") bumps text_revision, which shows in both
// texts, so a client sees different words after it.
#include "model.hpp"

namespace weir::sims::erp {

std::string Product::short_description() const {
  std::string text = name + ": a " + kind + " by " + brand + ".";
  if (text_revision > 0) text += " (rev " + std::to_string(text_revision) + ")";
  return text;
}

std::string Product::description() const {
  std::string html = "<p>The " + name + " is a " + kind + " for daily use.</p><p>Made by " + brand +
                     "; warranty: " + std::to_string(warranty_years) + " year(s).</p>";
  if (text_revision > 0) html += "<p>Revised in round " + std::to_string(text_revision) + ".</p>";
  return html;
}

std::vector<std::string> Product::images(const std::string& base) const {
  std::vector<std::string> urls;
  for (int i = 1; i <= image_count; ++i) {
    const std::string revision = image_revision ? "-r" + std::to_string(image_revision) : "";
    urls.push_back(base + "/" + sku + revision + "-" + std::to_string(i) +
                   ".jpg");
  }
  return urls;
}

}  // namespace weir::sims::erp
