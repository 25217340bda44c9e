// load_and_run: loads a SavedModel the way TF Serving does and runs
// signatures through Session::Run, printing the results as JSON.
//
// TF Serving's SavedModel loader is tensorflow::LoadSavedModel with the
// {"serve"} tag set, followed by Session::Run on the tensors a SignatureDef
// names. This program does exactly that with the C++ runtime inside the
// TensorFlow wheel (no Python), so a SavedModel that passes here has no
// Python-only ops (EagerPyFunc) and needs no XLA compilation.
//
// Usage: load_and_run [--repeat N] SAVED_MODEL_DIR < requests
//
// Without --repeat every request runs once. With --repeat N (N >= 1) every
// request runs once as a warm-up, then N more times; the outputs are those
// of the last run. Either way a result reports "seconds": the wall-clock
// time of each Session::Run after the warm-up (one value without
// --repeat), which excludes parsing the request and writing the JSON.
//
// Requests (whitespace-separated tokens on stdin):
//   NUM_REQUESTS
//   then per request:  SIGNATURE_KEY NUM_INPUTS
//   then per input:    ALIAS DTYPE RANK DIM... VALUE...
// with DTYPE one of float32, float64, int32, int64, bool (values 0/1).
//
// Output (stdout, one JSON object):
//   {"signatures": {KEY: {"method_name": ..., "inputs": {ALIAS: {"dtype",
//     "shape"}}, "outputs": {...}}},
//    "results": [{"signature": KEY, "seconds": [S, ...], "outputs": {ALIAS:
//     {"dtype", "shape", "values"}}} or {"signature": KEY, "error":
//     MESSAGE}, ...]}
// Shapes use -1 for unknown sizes; values are flattened in row-major order.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "tensorflow/cc/saved_model/loader.h"
#include "tensorflow/core/framework/tensor.h"
#include "tensorflow/core/framework/tensor_shape.h"
#include "tensorflow/core/protobuf/meta_graph.pb.h"
#include "tensorflow/core/public/session.h"

namespace {

using tensorflow::DataType;
using tensorflow::Tensor;
using tensorflow::TensorShape;

std::string JsonString(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buffer[8];
          std::snprintf(buffer, sizeof(buffer), "\\u%04x", c);
          out += buffer;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string DtypeName(DataType dtype) {
  switch (dtype) {
    case tensorflow::DT_FLOAT: return "float32";
    case tensorflow::DT_DOUBLE: return "float64";
    case tensorflow::DT_INT32: return "int32";
    case tensorflow::DT_INT64: return "int64";
    case tensorflow::DT_BOOL: return "bool";
    default: return tensorflow::DataTypeString(dtype);
  }
}

bool ParseDtype(const std::string& name, DataType* dtype) {
  if (name == "float32") *dtype = tensorflow::DT_FLOAT;
  else if (name == "float64") *dtype = tensorflow::DT_DOUBLE;
  else if (name == "int32") *dtype = tensorflow::DT_INT32;
  else if (name == "int64") *dtype = tensorflow::DT_INT64;
  else if (name == "bool") *dtype = tensorflow::DT_BOOL;
  else return false;
  return true;
}

// A float as JSON that Python's json module reads back bit-exactly.
std::string JsonFloat(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.17g", value);
  return buffer;
}

std::string JsonTensor(const Tensor& tensor) {
  std::ostringstream out;
  out << "{\"dtype\": \"" << DtypeName(tensor.dtype()) << "\", \"shape\": [";
  for (int i = 0; i < tensor.dims(); ++i) {
    out << (i ? ", " : "") << tensor.dim_size(i);
  }
  out << "], \"values\": [";
  const int64_t n = tensor.NumElements();
  for (int64_t i = 0; i < n; ++i) {
    if (i) out << ", ";
    switch (tensor.dtype()) {
      case tensorflow::DT_FLOAT:
        out << JsonFloat(tensor.flat<float>()(i));
        break;
      case tensorflow::DT_DOUBLE:
        out << JsonFloat(tensor.flat<double>()(i));
        break;
      case tensorflow::DT_INT32: out << tensor.flat<int32_t>()(i); break;
      case tensorflow::DT_INT64: out << tensor.flat<int64_t>()(i); break;
      case tensorflow::DT_BOOL:
        out << (tensor.flat<bool>()(i) ? "true" : "false");
        break;
      default: out << "null";
    }
  }
  out << "]}";
  return out.str();
}

std::string JsonTensorInfo(const tensorflow::TensorInfo& info) {
  std::ostringstream out;
  out << "{\"dtype\": \"" << DtypeName(info.dtype()) << "\", \"shape\": ";
  if (info.tensor_shape().unknown_rank()) {
    out << "null}";
    return out.str();
  }
  out << "[";
  for (int i = 0; i < info.tensor_shape().dim_size(); ++i) {
    out << (i ? ", " : "") << info.tensor_shape().dim(i).size();
  }
  out << "]}";
  return out.str();
}

std::string JsonTensorInfoMap(
    const google::protobuf::Map<std::string, tensorflow::TensorInfo>& map) {
  // Sorted keys, for stable output.
  std::vector<std::string> keys;
  for (const auto& item : map) keys.push_back(item.first);
  std::sort(keys.begin(), keys.end());
  std::ostringstream out;
  out << "{";
  for (size_t i = 0; i < keys.size(); ++i) {
    out << (i ? ", " : "") << JsonString(keys[i]) << ": "
        << JsonTensorInfo(map.at(keys[i]));
  }
  out << "}";
  return out.str();
}

// Reads one input tensor: DTYPE RANK DIM... VALUE...
bool ReadTensor(std::istream& in, Tensor* tensor, std::string* error) {
  std::string dtype_name;
  int rank = 0;
  if (!(in >> dtype_name >> rank) || rank < 0) {
    *error = "malformed input header";
    return false;
  }
  DataType dtype;
  if (!ParseDtype(dtype_name, &dtype)) {
    *error = "unsupported dtype " + dtype_name;
    return false;
  }
  TensorShape shape;
  for (int i = 0; i < rank; ++i) {
    int64_t dim = 0;
    if (!(in >> dim) || dim < 0) {
      *error = "malformed shape";
      return false;
    }
    shape.AddDim(dim);
  }
  *tensor = Tensor(dtype, shape);
  const int64_t n = tensor->NumElements();
  for (int64_t i = 0; i < n; ++i) {
    bool ok = true;
    if (dtype == tensorflow::DT_FLOAT) {
      std::string token;
      ok = static_cast<bool>(in >> token);
      char* end = nullptr;
      if (ok) tensor->flat<float>()(i) = std::strtof(token.c_str(), &end);
      ok = ok && end != nullptr && *end == '\0' && !token.empty();
    } else if (dtype == tensorflow::DT_DOUBLE) {
      std::string token;
      ok = static_cast<bool>(in >> token);
      char* end = nullptr;
      if (ok) tensor->flat<double>()(i) = std::strtod(token.c_str(), &end);
      ok = ok && end != nullptr && *end == '\0' && !token.empty();
    } else if (dtype == tensorflow::DT_INT32) {
      ok = static_cast<bool>(in >> tensor->flat<int32_t>()(i));
    } else if (dtype == tensorflow::DT_INT64) {
      ok = static_cast<bool>(in >> tensor->flat<int64_t>()(i));
    } else {
      int value = 0;
      ok = static_cast<bool>(in >> value);
      tensor->flat<bool>()(i) = value != 0;
    }
    if (!ok) {
      *error = "too few or malformed values";
      return false;
    }
  }
  return true;
}

// Runs one request (a warm-up and `repeat` timed runs when repeat > 0);
// returns its JSON result.
std::string RunRequest(std::istream& in,
                       const tensorflow::SavedModelBundle& bundle,
                       int repeat) {
  std::string key;
  int num_inputs = 0;
  in >> key >> num_inputs;
  std::vector<std::pair<std::string, Tensor>> inputs;
  std::string error;
  std::vector<std::pair<std::string, Tensor>> named;
  for (int i = 0; i < num_inputs && error.empty(); ++i) {
    std::string alias;
    Tensor tensor;
    in >> alias;
    if (ReadTensor(in, &tensor, &error)) named.emplace_back(alias, tensor);
  }
  std::string head = "{\"signature\": " + JsonString(key) + ", ";
  if (!error.empty()) {
    return head + "\"error\": " + JsonString("bad request: " + error) + "}";
  }
  const auto& signatures = bundle.meta_graph_def.signature_def();
  auto found = signatures.find(key);
  if (found == signatures.end()) {
    return head + "\"error\": " + JsonString("no signature " + key) + "}";
  }
  const tensorflow::SignatureDef& signature = found->second;
  for (const auto& item : named) {
    auto info = signature.inputs().find(item.first);
    if (info == signature.inputs().end()) {
      return head + "\"error\": " +
             JsonString("signature " + key + " has no input " + item.first) +
             "}";
    }
    inputs.emplace_back(info->second.name(), item.second);
  }
  std::vector<std::string> aliases;
  std::vector<std::string> fetches;
  for (const auto& item : signature.outputs()) {
    aliases.push_back(item.first);
    fetches.push_back(item.second.name());
  }
  std::vector<Tensor> outputs;
  std::vector<double> seconds;
  const int runs = repeat > 0 ? repeat + 1 : 1;
  for (int run = 0; run < runs; ++run) {
    outputs.clear();
    const auto start = std::chrono::steady_clock::now();
    absl::Status status = bundle.session->Run(inputs, fetches, {}, &outputs);
    const std::chrono::duration<double> took =
        std::chrono::steady_clock::now() - start;
    if (!status.ok()) {
      return head + "\"error\": " +
             JsonString(std::string(status.message())) + "}";
    }
    if (repeat == 0 || run > 0) seconds.push_back(took.count());
  }
  std::ostringstream out;
  out << head << "\"seconds\": [";
  for (size_t i = 0; i < seconds.size(); ++i) {
    out << (i ? ", " : "") << JsonFloat(seconds[i]);
  }
  out << "], \"outputs\": {";
  for (size_t i = 0; i < aliases.size(); ++i) {
    out << (i ? ", " : "") << JsonString(aliases[i]) << ": "
        << JsonTensor(outputs[i]);
  }
  out << "}}";
  return out.str();
}

}  // namespace

int main(int argc, char** argv) {
  int repeat = 0;
  const char* saved_model_dir = nullptr;
  if (argc == 2) {
    saved_model_dir = argv[1];
  } else if (argc == 4 && std::string(argv[1]) == "--repeat") {
    char* end = nullptr;
    const long value = std::strtol(argv[2], &end, 10);
    if (end != nullptr && *end == '\0' && value >= 1 && value <= 1000000) {
      repeat = static_cast<int>(value);
      saved_model_dir = argv[3];
    }
  }
  if (saved_model_dir == nullptr) {
    std::cerr << "usage: " << argv[0]
              << " [--repeat N] SAVED_MODEL_DIR < requests\n"
              << "(N: a whole number from 1 to 1000000)\n";
    return 2;
  }
  tensorflow::SessionOptions session_options;
  tensorflow::RunOptions run_options;
  tensorflow::SavedModelBundle bundle;
  absl::Status status = tensorflow::LoadSavedModel(
      session_options, run_options, saved_model_dir, {"serve"}, &bundle);
  if (!status.ok()) {
    std::cout << "{\"load_error\": " << JsonString(std::string(status.message()))
              << "}" << std::endl;
    return 1;
  }
  std::ostringstream out;
  out << "{\"signatures\": {";
  const auto& signatures = bundle.meta_graph_def.signature_def();
  std::vector<std::string> keys;
  for (const auto& item : signatures) keys.push_back(item.first);
  std::sort(keys.begin(), keys.end());
  for (size_t i = 0; i < keys.size(); ++i) {
    const tensorflow::SignatureDef& signature = signatures.at(keys[i]);
    out << (i ? ", " : "") << JsonString(keys[i]) << ": {\"method_name\": "
        << JsonString(signature.method_name())
        << ", \"inputs\": " << JsonTensorInfoMap(signature.inputs())
        << ", \"outputs\": " << JsonTensorInfoMap(signature.outputs()) << "}";
  }
  out << "}, \"results\": [";
  int num_requests = 0;
  std::cin >> num_requests;
  for (int i = 0; i < num_requests; ++i) {
    out << (i ? ", " : "") << RunRequest(std::cin, bundle, repeat);
  }
  out << "]}";
  std::cout << out.str() << std::endl;
  return 0;
}
