*** Settings ***
Documentation     The form challenge in Robot Framework with SeleniumLibrary (Input Text).
Library           SeleniumLibrary
Library           peers.FormPeer

*** Variables ***
${URL}            http://127.0.0.1:8791/form.html
${CSV}            form-data.csv

*** Test Cases ***
Form Challenge
    Open Bench Browser    ${URL}
    Click Button    id:start
    ${rows}=    Read Form Rows    ${CSV}
    FOR    ${row}    IN    @{rows}
        FOR    ${label}    IN    @{row}
            Input Text    xpath://input[@id=//label[normalize-space(.)='${label}']/@for]    ${row}[${label}]    clear=False
        END
        Click Button    xpath://button[normalize-space(.)='Skicka']
    END
    ${result}=    Get Text    id:result
    Log To Console    RESULT ${result}
    [Teardown]    Close All Browsers
