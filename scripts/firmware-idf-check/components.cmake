# Run with `cmake -P`, by scripts/firmware-idf-check.sh (not part of any build).
#
# Works out, for each component in CHECK_COMPONENTS, the include directories ESP-IDF's build
# would give its sources: its own INCLUDE_DIRS and PRIV_INCLUDE_DIRS, then the public
# INCLUDE_DIRS of every component it REQUIRES or PRIV_REQUIRES (and of ESP-IDF's common
# requirements), following public REQUIRES transitively and private ones not at all — so a
# header of a component that is not required is not found, as in `idf.py build`.
#
# It evaluates each component's own CMakeLists.txt the way ESP-IDF does when it expands
# requirements (tools/cmake/scripts/component_get_requirements.cmake): in script mode, with
# idf_component_register() recording its arguments and returning at once. Unlike that early
# expansion, the Kconfig values of CONFIG_FILE are visible, so include directories that
# depend on them (FreeRTOS SMP or not, …) come out as in a real build.
#
# Inputs (-D):
#   IDF_PATH           an ESP-IDF source tree (its components/ and tools/cmake/)
#   IDF_TARGET         esp32, esp32c3, …;  IDF_TARGET_ARCH  xtensa or riscv
#   COMPONENT_DIRS     further component directories (the project's, managed ones), ;-list
#   MANIFEST_REQUIRES  extra requirements from idf_component.yml files: ;-list of
#                      "<component>:public:<dep>" / "<component>:private:<dep>"
#   CONFIG_FILE        a CMake file of set(CONFIG_… …) lines (the generated sdkconfig)
#   CHECK_COMPONENTS   ;-list of components whose include path is wanted
#   OUT_DIR            receives <component>.inc (one directory a line, in search order)
cmake_minimum_required(VERSION 3.16)
cmake_policy(SET CMP0057 NEW) # if(IN_LIST)

foreach(var IDF_PATH IDF_TARGET IDF_TARGET_ARCH CONFIG_FILE CHECK_COMPONENTS OUT_DIR)
    if(NOT DEFINED ${var})
        message(FATAL_ERROR "components.cmake: -D${var}=… is required")
    endif()
endforeach()

include(${CONFIG_FILE})

# ---- the ESP-IDF version, as tools/cmake/version.cmake reads it
file(READ ${IDF_PATH}/components/esp_common/include/esp_idf_version.h _version_h)
foreach(part MAJOR MINOR PATCH)
    string(REGEX MATCH "#define ESP_IDF_VERSION_${part} +([0-9]+)" _ "${_version_h}")
    set(IDF_VERSION_${part} ${CMAKE_MATCH_1})
endforeach()
set(IDF_VERSION "${IDF_VERSION_MAJOR}.${IDF_VERSION_MINOR}.${IDF_VERSION_PATCH}")

# ---- ESP-IDF's common requirements (added to every component), read from its build.cmake
file(READ ${IDF_PATH}/tools/cmake/build.cmake _build_cmake)
string(REGEX MATCHALL "set\\(requires_common[^)]*\\)" _common_sets "${_build_cmake}")
set(COMMON_REQUIRES "")
foreach(_set ${_common_sets})
    if(NOT _set MATCHES " linux") # the first set is the Linux target's
        string(REGEX REPLACE "set\\(requires_common|\\)|\\$\\{IDF_TARGET_ARCH\\}" " " _set "${_set}")
        string(REGEX REPLACE "[ \t\r\n]+" ";" _set "${_set}")
        list(APPEND COMMON_REQUIRES ${_set})
    endif()
endforeach()
# …and, for a chip target, the architecture component (xtensa, riscv): build.cmake appends it
# in idf_build_process (`__COMPONENT_REQUIRES_COMMON ${arch} APPEND`).
if(_build_cmake MATCHES "requires_common[^)]*\\$\\{IDF_TARGET_ARCH\\}"
   OR _build_cmake MATCHES "__COMPONENT_REQUIRES_COMMON \\$\\{arch\\} APPEND")
    list(APPEND COMMON_REQUIRES ${IDF_TARGET_ARCH})
endif()
list(REMOVE_ITEM COMMON_REQUIRES "")
list(REMOVE_DUPLICATES COMMON_REQUIRES)
if(NOT COMMON_REQUIRES)
    message(FATAL_ERROR "components.cmake: no requires_common in ${IDF_PATH}/tools/cmake/build.cmake")
endif()

# ---- what a component's CMakeLists.txt may call before it registers
include(${IDF_PATH}/tools/cmake/utilities.cmake OPTIONAL)

function(idf_build_get_property var property)
    if(property STREQUAL "IDF_TARGET" OR property STREQUAL "IDF_TARGET_ARCH" OR property STREQUAL "IDF_PATH"
       OR property MATCHES "^IDF_VERSION")
        set(${var} "${${property}}" PARENT_SCOPE)
    elseif(property STREQUAL "PYTHON")
        set(${var} python3 PARENT_SCOPE)
    else()
        set(${var} "" PARENT_SCOPE) # BOOTLOADER_BUILD, ESP_TEE_BUILD, NON_OS_BUILD, …: not this build
    endif()
endfunction()
function(idf_build_get_config var config)
    set(${var} "${${config}}" PARENT_SCOPE)
endfunction()
function(idf_build_set_property)
endfunction()
function(idf_component_get_property var)
    set(${var} "" PARENT_SCOPE)
endfunction()
function(idf_component_set_property)
endfunction()
function(idf_component_optional_requires)
endfunction()
macro(require_idf_targets)
endmacro()
# Commands that need a CMake project: harmless no-ops here (none of them changes what a
# component registers; almost all come after the registration anyway).
foreach(cmd add_library add_executable add_custom_command add_custom_target add_dependencies add_compile_options
            add_compile_definitions add_definitions add_subdirectory target_link_libraries target_include_directories
            target_compile_definitions target_compile_options target_sources target_link_options target_linker_script
            set_target_properties set_source_files_properties add_prebuilt_library fail_at_build_time
            enable_language project install)
    cmake_language(EVAL CODE "function(${cmd})\nendfunction()")
endforeach()

# A component whose CMakeLists.txt stops with FATAL_ERROR (a missing git submodule, an
# unsupported target) is recorded as unusable instead of ending the run; requiring it fails.
function(message mode)
    if(mode STREQUAL "FATAL_ERROR" AND DEFINED COMPONENT_NAME)
        string(REPLACE ";" " " text "${ARGN}")
        set_property(GLOBAL PROPERTY C_${COMPONENT_NAME}_BROKEN "${text}")
    else()
        _message(${mode} ${ARGN})
    endif()
endfunction()

macro(idf_component_register)
    cmake_parse_arguments(_reg "WHOLE_ARCHIVE" "KCONFIG;KCONFIG_PROJBUILD"
        "SRCS;SRC_DIRS;EXCLUDE_SRCS;INCLUDE_DIRS;PRIV_INCLUDE_DIRS;LDFRAGMENTS;REQUIRES;PRIV_REQUIRES;REQUIRED_IDF_TARGETS;EMBED_FILES;EMBED_TXTFILES"
        ${ARGN})
    set(__reg_requires "${_reg_REQUIRES}")
    set(__reg_priv_requires "${_reg_PRIV_REQUIRES}")
    set(__reg_include_dirs "${_reg_INCLUDE_DIRS}")
    set(__reg_priv_include_dirs "${_reg_PRIV_INCLUDE_DIRS}")
    set(__reg_done 1)
    return()
endmacro()
macro(idf_component_mock)
    cmake_parse_arguments(_mock "" "" "MOCK_HEADER_FILES;INCLUDE_DIRS;REQUIRES" ${ARGN})
    idf_component_register(REQUIRES ${_mock_REQUIRES} cmock)
endmacro()
macro(register_component)
    set(__reg_requires "${COMPONENT_REQUIRES}")
    set(__reg_priv_requires "${COMPONENT_PRIV_REQUIRES}")
    set(__reg_include_dirs "${COMPONENT_ADD_INCLUDEDIRS}")
    set(__reg_priv_include_dirs "${COMPONENT_PRIV_INCLUDEDIRS}")
    set(__reg_done 1)
    return()
endmacro()
macro(register_config_only_component)
    register_component()
endmacro()

# A requirement as written ("idf::freertos", "espressif__esp_websocket_client",
# "espressif/esp_websocket_client") → the component name.
function(normalize_name var name)
    string(REGEX REPLACE "^idf::" "" name "${name}")
    string(REGEX REPLACE "^[A-Za-z0-9_.-]+(__|/)" "" name "${name}")
    set(${var} "${name}" PARENT_SCOPE)
endfunction()

# The directories a CMakeLists.txt (and the subdirectories it adds) makes public with
# target_include_directories(${COMPONENT_LIB} PUBLIC|INTERFACE …) on one line. Only what
# exists is kept; an argument with a variable other than the target's name is skipped.
function(post_registration_includes out dir)
    set(result "")
    file(READ "${dir}/CMakeLists.txt" text)
    string(REGEX MATCHALL "add_subdirectory\\([^)]*\\)" subdirs "${text}")
    foreach(call ${subdirs})
        string(REGEX REPLACE "add_subdirectory\\([ ]*\"?([^ \")]+).*" "\\1" sub "${call}")
        string(REPLACE "\${target}" "${IDF_TARGET}" sub "${sub}")
        string(REPLACE "\${IDF_TARGET}" "${IDF_TARGET}" sub "${sub}")
        if(NOT sub MATCHES "\\$" AND EXISTS "${dir}/${sub}/CMakeLists.txt")
            post_registration_includes(nested "${dir}/${sub}")
            list(APPEND result ${nested})
        endif()
    endforeach()
    string(REGEX MATCHALL "target_include_directories\\(\\$\\{COMPONENT_LIB\\}[ ]+(PUBLIC|INTERFACE)[^)]*\\)" calls "${text}")
    foreach(call ${calls})
        string(REGEX REPLACE "target_include_directories\\(\\$\\{COMPONENT_LIB\\}[ ]+(PUBLIC|INTERFACE)|\\)$" "" args "${call}")
        string(REPLACE "\${target}" "${IDF_TARGET}" args "${args}")
        string(REPLACE "\"" "" args "${args}")
        separate_arguments(args UNIX_COMMAND "${args}")
        foreach(a ${args})
            if(NOT a MATCHES "\\$")
                get_filename_component(a "${a}" ABSOLUTE BASE_DIR "${dir}")
                if(IS_DIRECTORY "${a}")
                    list(APPEND result "${a}")
                endif()
            endif()
        endforeach()
    endforeach()
    set(${out} "${result}" PARENT_SCOPE)
endfunction()

# ---- evaluate every component once
set(_component_dirs "")
file(GLOB _idf_dirs LIST_DIRECTORIES true ${IDF_PATH}/components/*)
list(SORT _idf_dirs)
list(APPEND _component_dirs ${_idf_dirs} ${COMPONENT_DIRS})
set(ALL_COMPONENTS "")

function(evaluate_component dir)
    get_filename_component(dir "${dir}" ABSOLUTE)
    if(NOT IS_DIRECTORY "${dir}" OR NOT EXISTS "${dir}/CMakeLists.txt")
        return()
    endif()
    get_filename_component(name "${dir}" NAME)
    normalize_name(name "${name}")
    set(COMPONENT_NAME ${name})
    set(COMPONENT_DIR ${dir})
    set(COMPONENT_PATH ${dir})
    set(COMPONENT_LIB __idf_${name})
    set(COMPONENT_TARGET __idf_${name})
    set(target ${IDF_TARGET})
    set(__reg_done 0)
    set(CMAKE_CURRENT_SOURCE_DIR ${dir})
    include(${dir}/CMakeLists.txt)
    # Public include directories added after the registration, as soc/<target> and
    # esp_hw_support/port/<target> do (`add_subdirectory(${target})`, then
    # `target_include_directories(${COMPONENT_LIB} PUBLIC . include)`): read from the text.
    if(__reg_done)
        post_registration_includes(extra "${dir}")
        list(APPEND __reg_include_dirs ${extra})
    endif()
    # What a bundled third-party CMake project exports, which no ESP-IDF file names: Mbed TLS 4
    # (ESP-IDF 6) keeps its crypto headers in the TF-PSA-Crypto subproject, whose targets
    # export these directories and which mbedtls links publicly.
    if(name STREQUAL "mbedtls" AND IS_DIRECTORY "${dir}/mbedtls/tf-psa-crypto/include")
        list(APPEND __reg_include_dirs "${dir}/mbedtls/tf-psa-crypto/include"
                                       "${dir}/mbedtls/tf-psa-crypto/drivers/builtin/include")
    endif()
    set(includes "")
    foreach(d ${__reg_include_dirs})
        get_filename_component(d "${d}" ABSOLUTE BASE_DIR "${dir}")
        list(APPEND includes "${d}")
    endforeach()
    set(priv_includes "")
    foreach(d ${__reg_priv_include_dirs})
        get_filename_component(d "${d}" ABSOLUTE BASE_DIR "${dir}")
        list(APPEND priv_includes "${d}")
    endforeach()
    set(reqs "")
    foreach(r ${__reg_requires})
        normalize_name(r "${r}")
        list(APPEND reqs ${r})
    endforeach()
    set(priv_reqs "")
    foreach(r ${__reg_priv_requires})
        normalize_name(r "${r}")
        list(APPEND priv_reqs ${r})
    endforeach()
    set_property(GLOBAL PROPERTY C_${name}_DIR "${dir}")
    set_property(GLOBAL PROPERTY C_${name}_REGISTERED "${__reg_done}")
    set_property(GLOBAL PROPERTY C_${name}_REQUIRES "${reqs}")
    set_property(GLOBAL PROPERTY C_${name}_PRIV_REQUIRES "${priv_reqs}")
    set_property(GLOBAL PROPERTY C_${name}_INCLUDE_DIRS "${includes}")
    set_property(GLOBAL PROPERTY C_${name}_PRIV_INCLUDE_DIRS "${priv_includes}")
    set_property(GLOBAL APPEND PROPERTY ALL_COMPONENTS ${name})
endfunction()

set(CMAKE_BUILD_EARLY_EXPANSION "")
foreach(dir ${_component_dirs})
    evaluate_component("${dir}")
endforeach()
get_property(ALL_COMPONENTS GLOBAL PROPERTY ALL_COMPONENTS)

# Dependencies declared in idf_component.yml files (the component manager adds them).
foreach(entry ${MANIFEST_REQUIRES})
    string(REPLACE ":" ";" entry "${entry}")
    list(GET entry 0 owner)
    list(GET entry 1 kind)
    list(GET entry 2 dep)
    normalize_name(dep "${dep}")
    if(kind STREQUAL "public")
        set_property(GLOBAL APPEND PROPERTY C_${owner}_REQUIRES ${dep})
    elseif(kind STREQUAL "private")
        set_property(GLOBAL APPEND PROPERTY C_${owner}_PRIV_REQUIRES ${dep})
    endif()
endforeach()

function(component_exists var name)
    if(name IN_LIST ALL_COMPONENTS)
        set(${var} 1 PARENT_SCOPE)
    else()
        set(${var} 0 PARENT_SCOPE)
    endif()
endfunction()

# The public include directories of `roots` and of everything they publicly require.
function(public_closure out roots from)
    set(result "")
    set(seen "")
    set(queue ${roots})
    while(queue)
        list(POP_FRONT queue c)
        if(c IN_LIST seen)
            continue()
        endif()
        list(APPEND seen ${c})
        if(NOT c IN_LIST ALL_COMPONENTS)
            message(FATAL_ERROR "Failed to resolve component '${c}' (required by ${from} or its public requirements) "
                                "in ESP-IDF ${IDF_VERSION}")
        endif()
        get_property(broken GLOBAL PROPERTY C_${c}_BROKEN)
        if(broken)
            _message(FATAL_ERROR "Component '${c}' (required by ${from} or its public requirements) cannot be "
                                 "used in this tree: ${broken}")
        endif()
        get_property(incs GLOBAL PROPERTY C_${c}_INCLUDE_DIRS)
        get_property(reqs GLOBAL PROPERTY C_${c}_REQUIRES)
        list(APPEND result ${incs})
        list(APPEND queue ${reqs})
        if(NOT c IN_LIST COMMON_REQUIRES)
            list(APPEND queue ${COMMON_REQUIRES})
        endif()
    endwhile()
    list(REMOVE_DUPLICATES result)
    set(${out} "${result}" PARENT_SCOPE)
endfunction()

file(MAKE_DIRECTORY ${OUT_DIR})
foreach(c ${CHECK_COMPONENTS})
    if(NOT c IN_LIST ALL_COMPONENTS)
        message(FATAL_ERROR "components.cmake: component '${c}' not found")
    endif()
    get_property(own GLOBAL PROPERTY C_${c}_INCLUDE_DIRS)
    get_property(priv GLOBAL PROPERTY C_${c}_PRIV_INCLUDE_DIRS)
    get_property(reqs GLOBAL PROPERTY C_${c}_REQUIRES)
    get_property(priv_reqs GLOBAL PROPERTY C_${c}_PRIV_REQUIRES)
    set(roots ${reqs} ${priv_reqs} ${COMMON_REQUIRES})
    list(REMOVE_ITEM roots ${c})
    public_closure(deps "${roots}" ${c})
    set(all ${own} ${priv} ${deps})
    list(REMOVE_DUPLICATES all)
    string(REPLACE ";" "\n" text "${all}")
    file(WRITE ${OUT_DIR}/${c}.inc "${text}\n")
    string(REPLACE ";" " " reqs_text "${reqs}")
    string(REPLACE ";" " " priv_text "${priv_reqs}")
    file(WRITE ${OUT_DIR}/${c}.requires "REQUIRES ${reqs_text}\nPRIV_REQUIRES ${priv_text}\nCOMMON ${COMMON_REQUIRES}\n")
endforeach()
message(STATUS "ESP-IDF ${IDF_VERSION} (${IDF_TARGET}): ${CHECK_COMPONENTS} resolved")
